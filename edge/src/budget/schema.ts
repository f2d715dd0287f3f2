/**
 * The tenant's SQLite schema. One Durable Object holds one tenant, so no table needs a tenant column.
 * `periods` keeps the monthly counters; `reservations` holds credits promised to requests in flight, so
 * `allowance − used − reserved` is what the next request may take; `ledger` records every movement.
 */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS tenant (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  name TEXT NOT NULL,
  tier TEXT NOT NULL,
  monthly_credits INTEGER,
  created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS api_keys (
  hash TEXT PRIMARY KEY,
  prefix TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  revoked_ms INTEGER
);
CREATE TABLE IF NOT EXISTS periods (
  period TEXT PRIMARY KEY,
  used INTEGER NOT NULL DEFAULT 0,
  requests INTEGER NOT NULL DEFAULT 0,
  images INTEGER NOT NULL DEFAULT 0,
  teacher_images INTEGER NOT NULL DEFAULT 0,
  degraded_images INTEGER NOT NULL DEFAULT 0,
  cache_hits INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS reservations (
  id TEXT PRIMARY KEY,
  period TEXT NOT NULL,
  amount INTEGER NOT NULL,
  request_id TEXT NOT NULL,
  created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS ledger (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms INTEGER NOT NULL,
  kind TEXT NOT NULL,
  request_id TEXT,
  amount INTEGER NOT NULL,
  used_after INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS idempotency (
  key TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  state TEXT NOT NULL,
  status INTEGER,
  body TEXT,
  created_ms INTEGER NOT NULL
);
`;

/** Credits count per calendar month in UTC. */
export function periodOf(nowMs: number): string {
  return new Date(nowMs).toISOString().slice(0, 7);
}

/** A reservation whose request never settled (the isolate died) is refunded after this long. */
export const RESERVATION_TTL_MS = 10 * 60 * 1000;
/** Idempotency keys are remembered for a day, as OpenAI and Stripe do. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
