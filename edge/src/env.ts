import type { TenantBudget, TokenVerdict } from "./budget/TenantBudget.js";
import type { Tier, TierName } from "@understudy/shared";

/** Bindings declared in wrangler.toml (KV, R2, the budget Durable Object) plus vars and secrets. */
export interface Env {
  /** API-key hash → tenant, and the tenant directory. A lookup index only: the tenant's Durable Object decides. */
  KEYS: KVNamespace;
  /** Cached PNGs under their cache key, and the PNGs handed out by id. */
  IMAGES: R2Bucket;
  /** One Durable Object per tenant: keys, rate limit, credits, ledger, idempotency. */
  BUDGETS: DurableObjectNamespace<TenantBudget>;
  /** Comma-separated gpu-service origins, tried in turn. */
  GPU_SERVICE_URLS: string;
  /** Shared HMAC secret for signing gpu-service calls. */
  GPU_SERVICE_SECRET: string;
  /** Bearer token for /admin; the admin routes are off when it is unset. */
  ADMIN_TOKEN?: string;
  /** Milliseconds a generation may take end to end before the edge gives up with 504. */
  GPU_DEADLINE_MS?: string;
  /** Attempts per gpu-service call, across origins. */
  GPU_MAX_ATTEMPTS?: string;
}

/** The caller, once the auth middleware has let them in. */
export interface Caller {
  tenant: string;
  tierName: TierName;
  tier: Tier;
  budget: DurableObjectStub<TenantBudget>;
}

export interface Variables {
  requestId: string;
  caller: Caller;
  /** The rate-limit token the tenant's object handed out while admitting the key (see middleware/auth.ts). */
  token: TokenVerdict;
}

export type AppEnv = { Bindings: Env; Variables: Variables };
