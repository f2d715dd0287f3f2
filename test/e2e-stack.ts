// Starts and stops the real stack for cross-service tests: the gpu-service on the embedded bundle and the edge
// under `wrangler dev` with a throwaway state folder, both on spare ports, signed with a fresh secret.
import { randomBytes } from "node:crypto";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import { ROOT, admin, startEdge, startGpuService, stop, waitFor, type DevCredentials } from "../scripts/lib/stack.mjs";

/** The embedded bundle, or the one UNDERSTUDY_BUNDLE_DIR names (the gpu-service reads the same variable). */
const BUNDLE_DIR = process.env.UNDERSTUDY_BUNDLE_DIR ?? join(ROOT, "models");
export const BUNDLE_PRESENT = existsSync(join(BUNDLE_DIR, "understudy.json"));
export const SKIP_REASON = `${join(BUNDLE_DIR, "understudy.json")} is absent: the edge e2e tests need the embedded bundle (issue 3); skipping.`;

export class Stack {
  readonly credentials: DevCredentials = { gpu_secret: randomBytes(32).toString("hex"), admin_token: randomBytes(24).toString("base64url"), dev_key: null };
  readonly edgeUrl: string;
  readonly gpuUrl: string;
  private gpu: ChildProcess | null = null;
  private edge: ChildProcess | null = null;
  private readonly persistTo: string;

  constructor(
    readonly edgePort: number,
    readonly gpuPort: number,
  ) {
    this.edgeUrl = `http://127.0.0.1:${edgePort}`;
    this.gpuUrl = `http://127.0.0.1:${gpuPort}`;
    this.persistTo = join(ROOT, ".wrangler", `e2e-state-${edgePort}`);
  }

  async start(): Promise<void> {
    rmSync(this.persistTo, { recursive: true, force: true });
    this.edge = startEdge(this.credentials, { port: this.edgePort, gpuUrl: this.gpuUrl, quiet: true, persistTo: this.persistTo });
    await Promise.all([this.startGpu(), waitFor(`${this.edgeUrl}/healthz`, { child: this.edge, timeoutMs: 120_000, what: "wrangler dev" })]);
  }

  async startGpu(): Promise<void> {
    this.gpu = startGpuService(this.credentials, { port: this.gpuPort, quiet: true });
    await waitFor(`${this.gpuUrl}/readyz`, { child: this.gpu, timeoutMs: 300_000, what: "the gpu-service" });
  }

  /** Kills the gpu-service outright (SIGKILL: a crash, not a graceful drain) and waits until it is gone. */
  async killGpu(): Promise<void> {
    const gpu = this.gpu;
    if (!gpu || gpu.exitCode !== null) return;
    const exited = new Promise((resolve) => gpu.once("exit", resolve));
    stop(gpu, "SIGKILL");
    await exited;
  }

  async stop(): Promise<void> {
    stop(this.gpu);
    stop(this.edge);
    rmSync(this.persistTo, { recursive: true, force: true });
  }

  async newKey(tenant: string, tier: "free" | "standard" | "pro", monthlyCredits: number | null = null): Promise<string> {
    const created = await admin(this.edgeUrl, this.credentials.admin_token, "POST", `/admin/tenants/${tenant}/keys`, { tier, monthly_credits: monthlyCredits });
    return created.key as string;
  }
}
