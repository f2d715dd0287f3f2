#!/usr/bin/env node
/* global AbortSignal */
// Registers the /imagine slash command with Discord (bulk overwrite, so running it again is harmless):
//   PUT {DISCORD_API_BASE}/applications/{DISCORD_APPLICATION_ID}/commands                      (every server; may take a while to appear)
//   PUT {DISCORD_API_BASE}/applications/{DISCORD_APPLICATION_ID}/guilds/{DISCORD_GUILD_ID}/commands (one server, at once)
// The command's definition is the one the worker parses: edge/src/bots/discord-command.json.
// Usage: DISCORD_APPLICATION_ID=… DISCORD_BOT_TOKEN=… [DISCORD_GUILD_ID=…] node scripts/register-discord-command.mjs
import { readFileSync } from "node:fs";

const command = JSON.parse(readFileSync(new URL("../edge/src/bots/discord-command.json", import.meta.url), "utf8"));
const { DISCORD_APPLICATION_ID: applicationId, DISCORD_BOT_TOKEN: token, DISCORD_GUILD_ID: guildId } = process.env;
const apiBase = (process.env.DISCORD_API_BASE || "https://discord.com/api/v10").replace(/\/+$/, "");

const missing = [
  ["DISCORD_APPLICATION_ID", applicationId, "the Application ID on the developer portal's General Information page"],
  ["DISCORD_BOT_TOKEN", token, "Bot → Reset Token on the developer portal"],
].filter(([, value]) => !value);
if (missing.length > 0) {
  for (const [name, , where] of missing) console.error(`register-discord-command: set ${name} (${where}).`);
  process.exit(2);
}

const path = guildId ? `/applications/${applicationId}/guilds/${guildId}/commands` : `/applications/${applicationId}/commands`;
const response = await fetch(apiBase + path, {
  method: "PUT",
  headers: { Authorization: `Bot ${token}`, "Content-Type": "application/json", "User-Agent": "understudy (register-discord-command, 1.0)" },
  body: JSON.stringify([command]),
  signal: AbortSignal.timeout(30_000),
});
const text = await response.text();
if (!response.ok) {
  console.error(`register-discord-command: Discord answered ${response.status}: ${text.slice(0, 1000)}`);
  process.exit(1);
}
const registered = JSON.parse(text).map((c) => `/${c.name} (id ${c.id})`);
console.log(`Registered ${registered.join(", ")} ${guildId ? `in guild ${guildId}` : "globally"}.`);
