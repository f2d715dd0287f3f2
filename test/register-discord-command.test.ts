// scripts/register-discord-command.mjs against a loopback stand-in for Discord's API: the documented bulk
// overwrite (PUT, `Authorization: Bot <token>`, a JSON array of commands), global or for one guild.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");
const SCRIPT = join(ROOT, "scripts", "register-discord-command.mjs");
const COMMAND = JSON.parse(readFileSync(join(ROOT, "edge", "src", "bots", "discord-command.json"), "utf8"));

interface Received {
  method: string;
  url: string;
  authorization: string | undefined;
  body: unknown;
}

describe("register-discord-command", () => {
  const received: Received[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      received.push({ method: request.method!, url: request.url!, authorization: request.headers.authorization, body: JSON.parse(body) });
      response.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify([{ ...COMMAND, id: "111" }]));
    });
  });
  let apiBase = "";
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    apiBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v10`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const run = (env: Record<string, string>) => promisify(execFile)(process.execPath, [SCRIPT], { env: { PATH: process.env.PATH!, ...env } });

  it("PUTs the command the worker parses, globally or into one guild, with the bot token", async () => {
    const global = await run({ DISCORD_API_BASE: apiBase, DISCORD_APPLICATION_ID: "42", DISCORD_BOT_TOKEN: "bot-token" });
    expect(global.stdout).toContain("Registered /imagine (id 111) globally.");
    const guild = await run({ DISCORD_API_BASE: apiBase, DISCORD_APPLICATION_ID: "42", DISCORD_BOT_TOKEN: "bot-token", DISCORD_GUILD_ID: "7" });
    expect(guild.stdout).toContain("in guild 7");
    expect(received).toEqual([
      { method: "PUT", url: "/api/v10/applications/42/commands", authorization: "Bot bot-token", body: [COMMAND] },
      { method: "PUT", url: "/api/v10/applications/42/guilds/7/commands", authorization: "Bot bot-token", body: [COMMAND] },
    ]);
  });

  it("says which setting is missing, and sends nothing", async () => {
    const before = received.length;
    const failure = await run({ DISCORD_API_BASE: apiBase, DISCORD_APPLICATION_ID: "42" }).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 2, stderr: expect.stringContaining("set DISCORD_BOT_TOKEN") });
    expect(received).toHaveLength(before);
  });
});
