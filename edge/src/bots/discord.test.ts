import { SELF } from "cloudflare:test";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { toHex } from "@understudy/shared";
import { installStandin, newTenant, standin, usage } from "../../test/helpers.js";
import { PNG_MAGIC, bodyOf, callBots, chatApiOrigin, linkWorkspace, recorded, unique } from "./testing.js";

/** Signed with a real Ed25519 key pair made here, as Discord signs with its application's key. */
let keys: CryptoKeyPair;
let publicKeyHex: string;

beforeAll(async () => {
  keys = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
  publicKeyHex = toHex((await crypto.subtle.exportKey("raw", keys.publicKey)) as ArrayBuffer);
});

const settings = () => ({ DISCORD_PUBLIC_KEY: publicKeyHex, DISCORD_API_BASE: `${chatApiOrigin()}/api/v10` });
const now = () => String(Math.floor(Date.now() / 1000));

async function sign(body: string, timestamp: string, key = keys.privateKey): Promise<string> {
  return toHex(await crypto.subtle.sign({ name: "Ed25519" }, key, new TextEncoder().encode(timestamp + body)));
}

function interaction(body: string, headers: Record<string, string>) {
  return callBots(new Request("https://edge.test/bots/discord/interactions", { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body }), settings());
}

async function signed(payload: unknown, timestamp = now()) {
  const body = JSON.stringify(payload);
  return interaction(body, { "X-Signature-Ed25519": await sign(body, timestamp), "X-Signature-Timestamp": timestamp });
}

function imagine(guild: string | undefined, options: { name: string; type: number; value: string | number }[]) {
  const applicationId = unique();
  return {
    applicationId,
    token: `tok-${unique()}`,
    payload: (token: string) => ({ type: 2, id: unique(), application_id: applicationId, token, ...(guild ? { guild_id: guild } : {}), data: { name: "imagine", options } }),
  };
}

async function linkedGuild(tier: "free" | "standard" | "pro", credits: number | null = null) {
  const tenant = await newTenant(tier, credits);
  const guild = unique();
  expect((await linkWorkspace("discord", guild, tenant.tenant)).status).toBe(200);
  return { ...tenant, guild };
}

// The stand-in's fetch spy passes other URLs (the loopback chat APIs) to the fetch it found, so restore it each time.
beforeEach(installStandin);
afterEach(() => vi.restoreAllMocks());

describe("discord interactions: signatures", () => {
  it("answers a correctly signed PING with PONG", async () => {
    const response = await signed({ type: 1 });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ type: 1 });
  });

  it("refuses a signature by another key, a tampered body, a missing or stale signature with 401", async () => {
    const body = JSON.stringify({ type: 1 });
    const timestamp = now();
    const stranger = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
    const staleTime = String(Math.floor(Date.now() / 1000) - 600);
    const attempts: Record<string, string>[] = [
      { "X-Signature-Ed25519": await sign(body, timestamp, stranger.privateKey), "X-Signature-Timestamp": timestamp },
      { "X-Signature-Ed25519": await sign(JSON.stringify({ type: 2 }), timestamp), "X-Signature-Timestamp": timestamp },
      { "X-Signature-Timestamp": timestamp },
      {},
      { "X-Signature-Ed25519": await sign(body, staleTime), "X-Signature-Timestamp": staleTime },
      { "X-Signature-Ed25519": "zz", "X-Signature-Timestamp": timestamp },
    ];
    for (const headers of attempts) {
      const response = await interaction(body, headers);
      expect(response.status, JSON.stringify(headers)).toBe(401);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
    }
  });
});

describe("discord /imagine", () => {
  it("defers, then edits the original response with the PNG as multipart (payload_json + files[0])", async () => {
    const { key, guild } = await linkedGuild("standard");
    const command = imagine(guild, [
      { name: "prompt", type: 3, value: "a red circle" },
      { name: "seed", type: 4, value: 42 },
      { name: "quality", type: 3, value: "best" },
    ]);
    const response = await signed(command.payload(command.token));
    expect(await response.json()).toEqual({ type: 5 });

    const [edit, ...more] = await recorded(`/api/v10/webhooks/${command.applicationId}/`);
    expect(more).toHaveLength(0);
    expect(edit).toMatchObject({ method: "PATCH", path: `/api/v10/webhooks/${command.applicationId}/${command.token}/messages/@original` });
    expect(edit!.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
    const form = await new Response(bodyOf(edit!), { headers: { "Content-Type": edit!.headers["content-type"]! } }).formData();
    expect([...form.keys()].sort()).toEqual(["files[0]", "payload_json"]);
    const payload = JSON.parse(form.get("payload_json") as string);
    const file = form.get("files[0]") as unknown as File;
    expect(payload.attachments).toEqual([{ id: 0, filename: file.name, description: "a red circle" }]);
    expect(file.name).toBe("understudy-42.png");
    expect(file.type).toBe("image/png");
    expect([...new Uint8Array(await file.arrayBuffer()).slice(0, 8)]).toEqual(PNG_MAGIC);
    expect(payload.content).toContain("**a red circle**");
    expect(payload.content).toMatch(/route (student|refined)/);
    expect(payload.content).toContain("seed 42");
    // The guild's tenant paid for it, like any API request.
    expect((await usage(key)).credits.used).toBeGreaterThan(0);
  });

  it("edits the original response with the reason when the budget says no", async () => {
    const { guild } = await linkedGuild("free", 0);
    const command = imagine(guild, [{ name: "prompt", type: 3, value: "a blue square" }]);
    expect(await (await signed(command.payload(command.token))).json()).toEqual({ type: 5 });
    const [edit] = await recorded(`/api/v10/webhooks/${command.applicationId}/`);
    expect(edit!.headers["content-type"]).toBe("application/json");
    const message = JSON.parse(new TextDecoder().decode(bodyOf(edit!)));
    expect(message.content).toMatch(/^Could not draw that: Your credits for this month are used up/);
  });

  it("edits the original response with the reason when the image service says no, and charges nothing", async () => {
    const { key, guild } = await linkedGuild("standard");
    standin.behaviour = "down";
    const command = imagine(guild, [{ name: "prompt", type: 3, value: "a yellow star" }]);
    await signed(command.payload(command.token));
    const [edit] = await recorded(`/api/v10/webhooks/${command.applicationId}/`);
    expect(JSON.parse(new TextDecoder().decode(bodyOf(edit!))).content).toMatch(/^Could not draw that: The image service is unreachable right now; retry shortly/);
    expect((await usage(key)).credits.used).toBe(0);
  });

  it("edits the original response with the reason when the input is invalid", async () => {
    const { guild } = await linkedGuild("standard");
    const command = imagine(guild, [
      { name: "prompt", type: 3, value: "a green triangle" },
      { name: "quality", type: 3, value: "ultra" },
    ]);
    await signed(command.payload(command.token));
    const [edit] = await recorded(`/api/v10/webhooks/${command.applicationId}/`);
    expect(JSON.parse(new TextDecoder().decode(bodyOf(edit!))).content).toMatch(/^Could not draw that: quality: /);
  });

  it("tells an unlinked server how to link it, and a direct message to use a server, without drawing", async () => {
    const unlinked = imagine(unique(), [{ name: "prompt", type: 3, value: "a circle" }]);
    const answer = (await (await signed(unlinked.payload(unlinked.token))).json()) as { type: number; data: { content: string; flags: number } };
    expect(answer).toMatchObject({ type: 4, data: { flags: 64 } });
    expect(answer.data.content).toContain("PUT /admin/bots/discord/");
    const direct = imagine(undefined, [{ name: "prompt", type: 3, value: "a circle" }]);
    expect(await (await signed(direct.payload(direct.token))).json()).toMatchObject({ type: 4, data: { flags: 64 } });
    expect(await recorded(`/api/v10/webhooks/${unlinked.applicationId}/`)).toHaveLength(0);
  });

  it("answers a command it does not know, and refuses a signed body that is not an interaction", async () => {
    const other = imagine(unique(), []);
    const payload = { ...other.payload(other.token), data: { name: "paint", options: [] } };
    expect(await (await signed(payload)).json()).toMatchObject({ type: 4, data: { content: "Unknown command /paint; this app has /imagine.", flags: 64 } });
    expect((await signed({ type: 99 })).status).toBe(400);
  });

  it("links only existing tenants, and only with the admin token", async () => {
    expect((await linkWorkspace("discord", unique(), "no-such-tenant")).status).toBe(404);
    const anonymous = await SELF.fetch("https://edge.test/admin/bots/discord/123", { method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ tenant: "x" }) });
    expect(anonymous.status).toBe(401);
  });
});
