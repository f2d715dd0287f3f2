import { z } from "zod";
import type { ImagineInput } from "./imagine.js";

/**
 * Slack's slash-command payload (only the fields we use) and the messages we send back.
 * https://api.slack.com/interactivity/slash-commands
 */
export const SlashCommand = z.object({
  team_id: z.string().min(1),
  user_id: z.string().min(1),
  command: z.string().min(1),
  text: z.string().default(""),
  response_url: z.url({ protocol: /^https?$/ }),
});
export type SlashCommand = z.infer<typeof SlashCommand>;

export function parseSlashCommand(rawBody: string) {
  return SlashCommand.safeParse(Object.fromEntries(new URLSearchParams(rawBody)));
}

const FLAG = /(?:^|\s)--(seed|quality)(?:=|\s+)(\S+)/g;

/** `/imagine a red circle --seed 42 --quality best`: the flags anywhere, the rest is the prompt. */
export function imagineInput(text: string): ImagineInput {
  const flags = new Map<string, string>();
  const prompt = text.replace(FLAG, (_, name: string, value: string) => (flags.set(name, value), " ")).replace(/\s+/g, " ").trim();
  const seed = flags.get("seed");
  return { prompt, seed: seed === undefined ? undefined : Number(seed), quality: flags.get("quality") };
}

/** The immediate answer (Slack's 3-second limit): seen only by the person who typed the command. */
export const ephemeral = (text: string) => ({ response_type: "ephemeral" as const, text });

/** Posted to `response_url` once the image exists: the summary, then the image itself. */
export function imageMessage(prompt: string, summary: string, imageUrl: string) {
  return {
    response_type: "in_channel" as const,
    replace_original: false,
    text: escapeMrkdwn(`${prompt} (${summary})`),
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: `*${escapeMrkdwn(prompt)}*\n${escapeMrkdwn(summary)}` } },
      { type: "image", image_url: imageUrl, alt_text: prompt.slice(0, 2000), title: { type: "plain_text", text: prompt.slice(0, 2000) } },
    ],
  };
}

/** Slack's mrkdwn needs only &, < and > escaped; escaping them also keeps a prompt from pinging `<!channel>`. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
