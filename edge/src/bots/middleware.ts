import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { ApiError, apiErrorFromZod } from "@understudy/shared";
import { botConfig, type BotEnv } from "./env.js";
import { verifyDiscord, verifySlack, type SignatureCheck } from "./signatures.js";
import { parseSlashCommand, ephemeral } from "./slack.js";
import { callerForWorkspace } from "./tenants.js";

/** The bots' request pipeline, one step each; routes/bots.ts composes them. */

const notConfigured = (bot: string, variable: string) =>
  new ApiError("not_found", `The ${bot} bot is not set up on this deployment (${variable} is not set); see docs/bots.md.`);

/** The body exactly as signed. Read as bytes: workerd warns when form bodies are read with .text(). */
const rawBody = async (c: Context<BotEnv>) => new TextDecoder().decode(await c.req.arrayBuffer());

const badSignature = (header: string, check: Exclude<SignatureCheck, { ok: true }>) =>
  new ApiError("unauthorized", `${header}: the signature is ${check.reason}; only requests signed by the platform, within five minutes, are served.`, { param: header });

/** Discord: Ed25519 over timestamp + raw body, with the application's public key. Keeps the raw body. */
export const discordSignature = createMiddleware<BotEnv>(async (c, next) => {
  const publicKey = botConfig(c.env).discordPublicKey;
  if (!publicKey) throw notConfigured("Discord", "DISCORD_PUBLIC_KEY");
  const body = await rawBody(c);
  const check = await verifyDiscord(publicKey, { signature: c.req.header("X-Signature-Ed25519") ?? null, timestamp: c.req.header("X-Signature-Timestamp") ?? null, body });
  if (!check.ok) throw badSignature("X-Signature-Ed25519", check);
  c.set("rawBody", body);
  await next();
});

/** Slack: the `v0` HMAC of the raw body under the signing secret, within five minutes. Keeps the raw body. */
export const slackSignature = createMiddleware<BotEnv>(async (c, next) => {
  const secret = botConfig(c.env).slackSigningSecret;
  if (!secret) throw notConfigured("Slack", "SLACK_SIGNING_SECRET");
  const body = await rawBody(c);
  const check = await verifySlack(secret, { signature: c.req.header("X-Slack-Signature") ?? null, timestamp: c.req.header("X-Slack-Request-Timestamp") ?? null, body });
  if (!check.ok) throw badSignature("X-Slack-Signature", check);
  c.set("rawBody", body);
  await next();
});

/** The slash command's form fields; its `response_url` must be Slack's, so a bot post can go nowhere else. */
export const slackCommand = createMiddleware<BotEnv>(async (c, next) => {
  const parsed = parseSlashCommand(c.get("rawBody"));
  if (!parsed.success) throw apiErrorFromZod(parsed.error);
  const prefix = botConfig(c.env).slackResponseUrlPrefix;
  if (!parsed.data.response_url.startsWith(prefix)) {
    throw new ApiError("invalid_value", `response_url: must start with ${prefix} (set SLACK_RESPONSE_URL_PREFIX to change it).`, { param: "response_url" });
  }
  c.set("slackCommand", parsed.data);
  await next();
});

/** The tenant the Slack workspace is linked to; an unlinked workspace is told how to link it. */
export const slackWorkspace = createMiddleware<BotEnv>(async (c, next) => {
  const { team_id } = c.get("slackCommand");
  const caller = await callerForWorkspace(c.env, "slack", team_id);
  if (!caller) return c.json(ephemeral(`This Slack workspace is not linked to an understudy tenant yet. An operator links it with \`PUT /admin/bots/slack/${team_id}\` (see docs/bots.md).`));
  c.set("caller", caller);
  await next();
});

/**
 * Refuses a signature seen before. The tenant's Durable Object records it atomically (as an idempotency
 * claim that is never completed, kept far longer than the five-minute window a timestamp is valid).
 */
export const slackOnce = createMiddleware<BotEnv>(async (c, next) => {
  const signature = c.req.header("X-Slack-Signature")!;
  const claim = await c.get("caller").budget.beginIdempotent(`slack-signature:${signature}`, signature);
  if (claim.state !== "new") throw new ApiError("unauthorized", "X-Slack-Signature: this signed request was already received; replays are refused.", { param: "X-Slack-Signature" });
  await next();
});
