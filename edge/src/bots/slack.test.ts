import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { hmacSha256Hex } from "@understudy/shared";
import { installStandin, newTenant, usage } from "../../test/helpers.js";
import { PNG_MAGIC, bodyOf, callBots, chatApiOrigin, linkWorkspace, recorded, unique } from "./testing.js";
import { imageMessage, imagineInput } from "./slack.js";

/** A signing secret made here, used the way Slack signs slash commands. */
const SECRET = crypto.randomUUID();
const settings = () => ({ SLACK_SIGNING_SECRET: SECRET, SLACK_RESPONSE_URL_PREFIX: `${chatApiOrigin()}/commands/` });
const now = () => String(Math.floor(Date.now() / 1000));

async function sign(body: string, timestamp: string, secret = SECRET): Promise<string> {
  return `v0=${await hmacSha256Hex(secret, new Uint8Array(new TextEncoder().encode(`v0:${timestamp}:${body}`)))}`;
}

function command(body: string, headers: Record<string, string>) {
  const request = new Request("https://edge.test/bots/slack/commands", { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers }, body });
  return callBots(request, settings());
}

function form(team: string, text: string, responsePath = `/commands/${unique()}`) {
  const responseUrl = `${chatApiOrigin()}${responsePath}`;
  const body = new URLSearchParams({ token: "legacy", team_id: team, team_domain: "acme", channel_id: "C1", user_id: "U1", user_name: "ada", command: "/imagine", text, response_url: responseUrl, trigger_id: "1.2.3" }).toString();
  return { body, responsePath };
}

async function signed(body: string, timestamp = now()) {
  return command(body, { "X-Slack-Signature": await sign(body, timestamp), "X-Slack-Request-Timestamp": timestamp });
}

async function linkedTeam(tier: "free" | "standard" | "pro") {
  const tenant = await newTenant(tier);
  const team = `T${unique()}`;
  expect((await linkWorkspace("slack", team, tenant.tenant)).status).toBe(200);
  return { ...tenant, team };
}

const json = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes));

beforeEach(installStandin);
afterEach(() => vi.restoreAllMocks());

describe("slack slash command: signatures", () => {
  it("refuses a wrong secret, a tampered body, a missing or stale signature with 401", async () => {
    const { team } = await linkedTeam("standard");
    const { body } = form(team, "a red circle");
    const timestamp = now();
    const staleTime = String(Math.floor(Date.now() / 1000) - 6 * 60);
    const attempts: Record<string, string>[] = [
      { "X-Slack-Signature": await sign(body, timestamp, "not-the-secret"), "X-Slack-Request-Timestamp": timestamp },
      { "X-Slack-Signature": await sign(`${body}&text=x`, timestamp), "X-Slack-Request-Timestamp": timestamp },
      { "X-Slack-Request-Timestamp": timestamp },
      {},
      { "X-Slack-Signature": await sign(body, staleTime), "X-Slack-Request-Timestamp": staleTime },
    ];
    for (const headers of attempts) expect((await command(body, headers)).status, JSON.stringify(headers)).toBe(401);
  });

  it("serves a signed request once: the same signature again is a replay, refused with 401", async () => {
    const { team } = await linkedTeam("standard");
    const { body, responsePath } = form(team, "a red circle --seed 7");
    const timestamp = now();
    const headers = { "X-Slack-Signature": await sign(body, timestamp), "X-Slack-Request-Timestamp": timestamp };
    expect((await command(body, headers)).status).toBe(200);
    const replay = await command(body, headers);
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { error: { message: string } }).error.message).toContain("replays are refused");
    expect(await recorded(responsePath)).toHaveLength(1);
  });
});

describe("slack /imagine", () => {
  it("acknowledges at once, then posts an image block to response_url whose URL serves the PNG without a key", async () => {
    const { key, team } = await linkedTeam("pro");
    const { body, responsePath } = form(team, "a red circle --seed 42 --quality best");
    const ack = await signed(body);
    expect(ack.status).toBe(200);
    expect(await ack.json()).toEqual({ response_type: "ephemeral", text: "Working on “a red circle”…" });

    const [post, ...more] = await recorded(responsePath);
    expect(more).toHaveLength(0);
    expect(post).toMatchObject({ method: "POST", headers: { "content-type": "application/json" } });
    const message = json(bodyOf(post!));
    expect(message).toMatchObject({ response_type: "in_channel", text: expect.stringContaining("a red circle") });
    const [section, image] = message.blocks;
    expect(section).toMatchObject({ type: "section", text: { type: "mrkdwn", text: expect.stringMatching(/^\*a red circle\*\nroute \w+/) } });
    expect(section.text.text).toContain("seed 42");
    expect(image).toMatchObject({ type: "image", alt_text: "a red circle", title: { type: "plain_text", text: "a red circle" } });
    expect(image.image_url).toMatch(/^https:\/\/edge\.test\/bots\/images\/img_[A-Za-z0-9_-]{22}$/);

    const png = await callBots(new Request(image.image_url), settings());
    expect(png.status).toBe(200);
    expect(png.headers.get("content-type")).toBe("image/png");
    expect([...new Uint8Array(await png.arrayBuffer()).slice(0, 8)]).toEqual(PNG_MAGIC);
    expect((await callBots(new Request(image.image_url.replace(/.$/, (c: string) => (c === "A" ? "B" : "A"))), settings())).status).toBe(404);
    expect((await usage(key)).credits.used).toBeGreaterThan(0);
  });

  it("posts the reason, visible only to its author, when the input is refused", async () => {
    const { team } = await linkedTeam("free");
    const { body, responsePath } = form(team, "a red circle --seed 1x");
    await signed(body);
    const [post] = await recorded(responsePath);
    expect(json(bodyOf(post!))).toMatchObject({ response_type: "ephemeral", text: expect.stringMatching(/^Could not draw that: seed: /) });
  });

  it("tells an unlinked workspace how to link it, and refuses response_urls that are not Slack's", async () => {
    const unlinked = form(`T${unique()}`, "a circle");
    const answer = (await (await signed(unlinked.body)).json()) as { response_type: string; text: string };
    expect(answer.response_type).toBe("ephemeral");
    expect(answer.text).toContain("PUT /admin/bots/slack/");
    const { team } = await linkedTeam("standard");
    const elsewhere = form(team, "a circle", "/elsewhere/hook");
    const refused = await signed(elsewhere.body);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { param: string } }).error.param).toBe("response_url");
  });
});

describe("slack command text", () => {
  it("takes --seed and --quality anywhere and leaves the rest as the prompt", () => {
    expect(imagineInput("a red --seed 42 circle --quality=best")).toEqual({ prompt: "a red circle", seed: 42, quality: "best" });
    expect(imagineInput("  just a prompt ")).toEqual({ prompt: "just a prompt", seed: undefined, quality: undefined });
  });

  it("escapes a prompt in mrkdwn, so it can neither format nor ping the channel", () => {
    const message = imageMessage("<!channel> & co", "route student", "https://edge.test/bots/images/x");
    expect(message.text).toBe("&lt;!channel&gt; &amp; co (route student)");
    expect(message.blocks[0]!.text!.text).toBe("*&lt;!channel&gt; &amp; co*\nroute student");
  });
});
