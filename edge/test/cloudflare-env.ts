import type { Env as WorkerEnv } from "../src/env.js";

// Types `env` from cloudflare:test as the worker's own bindings.
declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {}
  }
}
