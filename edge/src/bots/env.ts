import type { AppEnv, Env } from "../env.js";
import type { SlashCommand } from "./slack.js";

/** The bots' own settings, beside the worker's bindings. Each bot is off until its secret is set. */
export interface BotBindings extends Env {
  /** The Discord application's public key (hex), from the developer portal's "General Information". */
  DISCORD_PUBLIC_KEY?: string;
  /** Discord's REST API; tests point it at a loopback stand-in. */
  DISCORD_API_BASE?: string;
  /** The Slack app's signing secret, from "Basic Information → App Credentials". */
  SLACK_SIGNING_SECRET?: string;
  /** Slack's `response_url`s must start with this; anything else is refused (tests point it at loopback). */
  SLACK_RESPONSE_URL_PREFIX?: string;
}

export interface BotConfig {
  discordPublicKey: string | null;
  discordApiBase: string;
  slackSigningSecret: string | null;
  slackResponseUrlPrefix: string;
}

/** How old a signed request may be before it is refused as stale (Slack documents five minutes). */
export const SIGNATURE_WINDOW_SECONDS = 300;

const withoutTrailingSlash = (url: string) => url.replace(/\/+$/, "");

export function botConfig(env: BotBindings): BotConfig {
  return {
    discordPublicKey: env.DISCORD_PUBLIC_KEY?.trim() || null,
    discordApiBase: withoutTrailingSlash(env.DISCORD_API_BASE?.trim() || "https://discord.com/api/v10"),
    slackSigningSecret: env.SLACK_SIGNING_SECRET?.trim() || null,
    slackResponseUrlPrefix: env.SLACK_RESPONSE_URL_PREFIX?.trim() || "https://hooks.slack.com/",
  };
}

/** What the bots' middleware leaves for the handlers: the verified raw body, the parsed command, the tenant (as `caller`). */
export type BotEnv = { Bindings: BotBindings; Variables: AppEnv["Variables"] & { rawBody: string; slackCommand: SlashCommand } };
