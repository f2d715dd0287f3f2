import { z } from "zod";
import type { ImagineInput } from "./imagine.js";
import command from "./discord-command.json" with { type: "json" };

/**
 * Discord's interaction payloads (only the fields we use) and the answers we give them.
 * https://discord.com/developers/docs/interactions/receiving-and-responding
 */
export const IMAGINE_COMMAND = command;

const OptionValue = z.union([z.string(), z.number(), z.boolean()]);
const CommandOption = z.object({ name: z.string(), type: z.number().int(), value: OptionValue.optional() });

export const Ping = z.object({ type: z.literal(1) });

export const ApplicationCommand = z.object({
  type: z.literal(2),
  id: z.string(),
  application_id: z.string().regex(/^\d{1,25}$/, { message: "must be a snowflake" }),
  /** Valid for 15 minutes: long enough to edit the deferred answer once the image exists. */
  token: z.string().regex(/^[A-Za-z0-9._-]{1,500}$/, { message: "must be an interaction token" }),
  /** Absent in direct messages, where no guild (and so no tenant) applies. */
  guild_id: z.string().optional(),
  data: z.object({ name: z.string(), options: z.array(CommandOption).default([]) }),
});
export type ApplicationCommand = z.infer<typeof ApplicationCommand>;

export const Interaction = z.discriminatedUnion("type", [Ping, ApplicationCommand]);
export type Interaction = z.infer<typeof Interaction>;

/** Interaction callback types and the ephemeral message flag. */
const PONG = 1;
const CHANNEL_MESSAGE = 4;
const DEFERRED_CHANNEL_MESSAGE = 5;
const EPHEMERAL = 1 << 6;

export const pong = () => ({ type: PONG });
/** "understudy is thinking…": buys the 15 minutes the interaction token lives. */
export const deferred = () => ({ type: DEFERRED_CHANNEL_MESSAGE });
/** A message only the person who typed the command sees. */
export const ephemeral = (content: string) => ({ type: CHANNEL_MESSAGE, data: { content, flags: EPHEMERAL } });

export function imagineInput(interaction: ApplicationCommand): ImagineInput {
  const option = (name: string) => interaction.data.options.find((o) => o.name === name)?.value;
  const seed = option("seed");
  const quality = option("quality");
  return {
    prompt: String(option("prompt") ?? ""),
    seed: typeof seed === "number" ? seed : undefined,
    quality: typeof quality === "string" ? quality : undefined,
  };
}

/** The message that replaces "thinking…": what was drawn and how, with the PNG attached as `files[0]`. */
export function imageMessage(prompt: string, summary: string, filename: string) {
  return {
    content: `**${prompt.replace(/[\\*_`~|>]/g, "\\$&")}**\n${summary}`,
    attachments: [{ id: 0, filename, description: prompt.slice(0, 1024) }],
    allowed_mentions: { parse: [] },
  };
}

export function textMessage(content: string) {
  return { content, allowed_mentions: { parse: [] } };
}
