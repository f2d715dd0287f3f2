// Types for stack.mjs, so the TypeScript benchmark and e2e tests can drive the local stack.
import type { ChildProcess } from "node:child_process";

export interface DevCredentials {
  gpu_secret: string;
  admin_token: string;
  dev_key: { tenant: string; tier: string; key: string } | null;
}
export const ROOT: string;
export const STATE_DIR: string;
export const EDGE_PORT: number;
export const GPU_PORT: number;
export const EDGE_URL: string;
export const GPU_URL: string;
export function devCredentials(): DevCredentials;
export function saveDevCredentials(credentials: DevCredentials): void;
export function stop(child: ChildProcess | null, signal?: NodeJS.Signals): void;
export function startGpuService(credentials: DevCredentials, options?: { port?: number; quiet?: boolean; extraEnv?: Record<string, string> }): ChildProcess;
export function startEdge(credentials: DevCredentials, options?: { port?: number; gpuUrl?: string; quiet?: boolean; persistTo?: string }): ChildProcess;
export function waitFor(url: string, options?: { child?: ChildProcess; timeoutMs?: number; what?: string }): Promise<void>;
export function isUp(url: string): Promise<boolean>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- admin answers differ per route; callers read what they asked for
export function admin(endpoint: string, token: string, method: string, path: string, body?: unknown): Promise<any>;
export function ensureDevKey(credentials: DevCredentials, endpoint?: string): Promise<{ tenant: string; tier: string; key: string; created: boolean }>;
