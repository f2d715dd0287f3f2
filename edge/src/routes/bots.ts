import { Hono, type Context } from "hono";
import { createRoute, z } from "@hono/zod-openapi";
import { ApiError } from "@understudy/shared";
import { JSON_BODY_LIMIT } from "../config.js";
import type { JobContext } from "../images/generate.js";
import { limitBody } from "../middleware/bodyLimit.js";
import { TENANT_NAME } from "../tenants/directory.js";
import { botConfig, type BotEnv } from "../bots/env.js";
import * as discord from "../bots/discord.js";
import * as slack from "../bots/slack.js";
import { discordSignature, slackCommand, slackOnce, slackSignature, slackWorkspace } from "../bots/middleware.js";
import { drawForDiscord, drawForSlack } from "../bots/flows.js";
import { loadPublicImage } from "../bots/publicImages.js";
import { callerForWorkspace, callerOf, linkWorkspace, unlinkWorkspace } from "../bots/tenants.js";
import { router } from "./openapi.js";

/**
 * The chat bots. Discord and Slack authenticate by signature (no API key); the guild or workspace maps to
 * a tenant, whose tier and budget apply exactly as for the API. Each acknowledges at once and delivers the
 * image from `waitUntil`. Operators link workspaces to tenants under /admin (admin token).
 */

/** The generation flow's context; it runs after the response has left, so there is no Server-Timing to fill. */
function jobContext(c: Context<BotEnv>): JobContext {
  return { env: c.env, caller: c.get("caller"), requestId: c.get("requestId"), waitUntil: (p) => c.executionCtx.waitUntil(p), time: (_name, work) => work() };
}

function parseInteraction(rawBody: string): discord.Interaction {
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    throw new ApiError("invalid_json", "body: the interaction is not valid JSON.", { param: "body" });
  }
  const parsed = discord.Interaction.safeParse(json);
  if (!parsed.success) throw new ApiError("invalid_value", "body: not an interaction this bot handles (PING or the /imagine command).", { param: "type" });
  return parsed.data;
}

const interactions = new Hono<BotEnv>().post("/", discordSignature, async (c) => {
  const interaction = parseInteraction(c.get("rawBody"));
  if (interaction.type === 1) return c.json(discord.pong());
  if (interaction.data.name !== discord.IMAGINE_COMMAND.name) return c.json(discord.ephemeral(`Unknown command /${interaction.data.name}; this app has /imagine.`));
  if (!interaction.guild_id) return c.json(discord.ephemeral("Use /imagine in a server: each server draws on its own understudy budget."));
  const caller = await callerForWorkspace(c.env, "discord", interaction.guild_id);
  if (!caller) return c.json(discord.ephemeral(`This server is not linked to an understudy tenant yet. An operator links it with \`PUT /admin/bots/discord/${interaction.guild_id}\` (see docs/bots.md).`));
  c.set("caller", caller);
  const target = { apiBase: botConfig(c.env).discordApiBase, applicationId: interaction.application_id, token: interaction.token };
  c.executionCtx.waitUntil(drawForDiscord(jobContext(c), target, discord.imagineInput(interaction)));
  return c.json(discord.deferred());
});

const commands = new Hono<BotEnv>().post("/", slackSignature, slackCommand, slackWorkspace, slackOnce, (c) => {
  const command = c.get("slackCommand");
  const input = slack.imagineInput(command.text);
  if (!input.prompt) return c.json(slack.ephemeral(`Tell me what to draw: \`${command.command} a red circle on blue --seed 42 --quality best\`.`));
  c.executionCtx.waitUntil(drawForSlack(jobContext(c), command.response_url, input, new URL(c.req.url).origin));
  return c.json(slack.ephemeral(`Working on “${slack.escapeMrkdwn(input.prompt)}”…`));
});

/** The images bots post, readable without a key (see bots/publicImages.ts). */
const publicImages = new Hono<BotEnv>().get("/:id", async (c) => {
  const image = await loadPublicImage(c.env.IMAGES, c.req.param("id"));
  if (!image) throw new ApiError("not_found", "id: no bot image with this id.", { param: "id" });
  return image;
});

const Link = z.object({ platform: z.enum(["discord", "slack"]), workspace: z.string().regex(/^[A-Za-z0-9]{1,32}$/, { message: "must be a Discord guild id or a Slack team id" }) });

const link = createRoute({
  method: "put",
  path: "/admin/bots/{platform}/{workspace}",
  hide: true,
  request: { params: Link, body: { required: true, content: { "application/json": { schema: z.object({ tenant: z.string().regex(TENANT_NAME) }).strict() } } } },
  responses: { 200: { description: "The guild or workspace now draws on the tenant's budget." } },
});

const unlink = createRoute({ method: "delete", path: "/admin/bots/{platform}/{workspace}", hide: true, request: { params: Link }, responses: { 200: { description: "Unlinked." } } });

/** Under /admin, so the admin token guards it (app.ts). */
const links = router()
  .openapi(link, async (c) => {
    const { platform, workspace } = c.req.valid("param");
    const { tenant } = c.req.valid("json");
    if (!(await callerOf(c.env, tenant))) throw new ApiError("not_found", `tenant: no tenant named "${tenant}"; create it with a key first.`, { param: "tenant" });
    await linkWorkspace(c.env, platform, workspace, tenant);
    return c.json({ platform, workspace, tenant }, 200);
  })
  .openapi(unlink, async (c) => {
    const { platform, workspace } = c.req.valid("param");
    if (!(await unlinkWorkspace(c.env, platform, workspace))) throw new ApiError("not_found", `workspace: ${platform} ${workspace} is not linked.`, { param: "workspace" });
    return c.json({ platform, workspace, unlinked: true }, 200);
  });

export const bots = new Hono<BotEnv>()
  .use("/bots/*", limitBody(JSON_BODY_LIMIT))
  .route("/bots/discord/interactions", interactions)
  .route("/bots/slack/commands", commands)
  .route("/bots/images", publicImages)
  .route("/", links);
