import type { Env as WorkerEnv } from "../src/env.js";

// Types `env` from cloudflare:test as the worker's own bindings (the pool's documented way to declare them).
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Cloudflare {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface Env extends WorkerEnv {}
  }
}
