import { SELF, createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { inject } from "vitest";
import { app } from "../app.js";
import { ADMIN_TOKEN } from "../../test/helpers.js";
import type { BotBindings } from "./env.js";
import type { RecordedRequest } from "./chatApis.standin.js";
import type { Platform } from "./tenants.js";

/**
 * Helpers for the bot tests: the worker with the bots' settings (keys made by each test), every
 * `waitUntil` awaited, and what the loopback stand-in for Discord's and Slack's APIs received.
 */
export const chatApiOrigin = () => inject("chatApiOrigin");

/** Calls the worker and waits for its background work (the follow-ups) before returning. */
export async function callBots(request: Request, settings: Partial<BotBindings>): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await app.fetch(request, { ...env, ...settings }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

export async function linkWorkspace(platform: Platform, workspace: string, tenant: string): Promise<Response> {
  return SELF.fetch(`https://edge.test/admin/bots/${platform}/${workspace}`, {
    method: "PUT",
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" },
    body: JSON.stringify({ tenant }),
  });
}

export async function recorded(pathPrefix: string): Promise<RecordedRequest[]> {
  const response = await fetch(`${chatApiOrigin()}/__recorded?path=${encodeURIComponent(pathPrefix)}`);
  return (await response.json()) as RecordedRequest[];
}

export function bodyOf(request: RecordedRequest): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(request.body_b64), (char) => char.charCodeAt(0));
}

export const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export const unique = () => `${Date.now()}${Math.floor(Math.random() * 1e6)}`;
