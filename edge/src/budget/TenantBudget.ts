import { DurableObject } from "cloudflare:workers";
import { TIERS, TierName, constantTimeEqual, type UsageResponse } from "@understudy/shared";
import type { Env } from "../env.js";
import { chargeFor, type Settlement } from "./settlement.js";
import { IDEMPOTENCY_TTL_MS, RESERVATION_TTL_MS, SCHEMA, periodOf } from "./schema.js";

export interface TenantRecord {
  name: string;
  tier: TierName;
  /** Overrides the tier's monthly allowance when set (a contract, a test). */
  monthlyCredits: number | null;
}

export interface KeyRecord {
  prefix: string;
  created: string;
  revoked: string | null;
}

export type TokenVerdict = { ok: true } | { ok: false; retryAfterSeconds: number };
export type ReserveVerdict = { ok: true; reservation: string } | { ok: false; remaining: number };

export type IdempotencyVerdict =
  | { state: "new" }
  | { state: "replay"; status: number; body: string }
  | { state: "conflict" }
  | { state: "in_progress" };

type Row = Record<string, SqlStorageValue>;


/**
 * One tenant's authority: its API keys (by hash), its token bucket, its credits and ledger, and its
 * idempotency records. Every method runs synchronously with no await in between, so each call is atomic:
 * concurrent requests are serialised by the object and can never overspend.
 *
 * Credits, keys and idempotency records live in SQLite. The token bucket lives in memory: a call that writes
 * storage has its answer held until the write is durable (the output gate), and `admit` runs before every
 * request, so a stored bucket would put a storage commit in front of every request. Every request for the
 * tenant reaches this one object, so the in-memory count is exact while it lives; an object restarted (a
 * deploy, a crash) starts with a full bucket, which is also where an idle one (evicted) would have refilled to.
 */
export class TenantBudget extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** The token bucket (see above): null until the first request, which starts with a full burst. */
  private bucket: { tokens: number; updatedMs: number } | null = null;
  /** The tenant row, read once: only `configure` changes it, and it refreshes this. Undefined until read. */
  private record: TenantRecord | null | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(SCHEMA);
  }

  private one(query: string, ...bindings: SqlStorageValue[]): Row | undefined {
    return this.sql.exec(query, ...bindings).toArray()[0] as Row | undefined;
  }

  // ── tenant and keys ───────────────────────────────────────────────────────────────

  /** Creates the tenant or changes its tier; `monthlyCredits` undefined keeps the current override. */
  configure(record: Omit<TenantRecord, "monthlyCredits"> & { monthlyCredits?: number | null }): TenantRecord {
    const monthlyCredits = record.monthlyCredits === undefined ? (this.tenant()?.monthlyCredits ?? null) : record.monthlyCredits;
    this.sql.exec(
      `INSERT INTO tenant (id, name, tier, monthly_credits, created_ms) VALUES (1, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET tier = excluded.tier, monthly_credits = excluded.monthly_credits`,
      record.name, record.tier, monthlyCredits, Date.now(),
    );
    this.record = undefined;
    return this.tenant()!;
  }

  tenant(): TenantRecord | null {
    if (this.record === undefined) {
      const row = this.one("SELECT name, tier, monthly_credits FROM tenant WHERE id = 1");
      this.record = row ? { name: String(row.name), tier: TierName.parse(row.tier), monthlyCredits: row.monthly_credits === null ? null : Number(row.monthly_credits) } : null;
    }
    return this.record;
  }

  addKey(hash: string, prefix: string): void {
    this.sql.exec("INSERT INTO api_keys (hash, prefix, created_ms) VALUES (?, ?, ?)", hash, prefix, Date.now());
  }

  /** Revokes keys by their display prefix (or full hash); returns their hashes so the KV index can drop them. */
  revokeKey(prefixOrHash: string): string[] {
    const rows = this.sql
      .exec("SELECT hash FROM api_keys WHERE (prefix = ? OR hash = ?) AND revoked_ms IS NULL", prefixOrHash, prefixOrHash)
      .toArray();
    const hashes = rows.map((row) => String(row.hash));
    for (const hash of hashes) this.sql.exec("UPDATE api_keys SET revoked_ms = ? WHERE hash = ?", Date.now(), hash);
    return hashes;
  }

  listKeys(): KeyRecord[] {
    return this.sql.exec("SELECT prefix, created_ms, revoked_ms FROM api_keys ORDER BY created_ms").toArray().map((row) => ({
      prefix: String(row.prefix),
      created: new Date(Number(row.created_ms)).toISOString(),
      revoked: row.revoked_ms === null ? null : new Date(Number(row.revoked_ms)).toISOString(),
    }));
  }

  /** The authority on a key: KV only pointed here, so a key revoked a moment ago fails now. */
  authenticate(hash: string): TenantRecord | null {
    const row = this.one("SELECT hash FROM api_keys WHERE hash = ? AND revoked_ms IS NULL", hash);
    if (!row || !constantTimeEqual(String(row.hash), hash)) return null;
    return this.tenant();
  }

  /**
   * Authenticates a key and, only when it is valid, takes a rate-limit token: one round trip for the auth
   * and rate-limit middlewares together, on every request. A revoked or unknown key takes nothing.
   */
  admit(hash: string, nowMs = Date.now()): { tenant: TenantRecord; token: TokenVerdict } | null {
    const tenant = this.authenticate(hash);
    return tenant && { tenant, token: this.takeToken(nowMs) };
  }

  // ── rate limit ────────────────────────────────────────────────────────────────────

  /** Token bucket: `burst` tokens, refilled at requests_per_minute / 60 per second. In memory (see the class). */
  takeToken(nowMs = Date.now()): TokenVerdict {
    const { burst, requests_per_minute } = this.tierOf().rate_limit;
    const perMs = requests_per_minute / 60_000;
    const elapsed = this.bucket ? Math.max(0, nowMs - this.bucket.updatedMs) : 0;
    const available = Math.min(burst, (this.bucket?.tokens ?? burst) + elapsed * perMs);
    const taken = available >= 1;
    this.bucket = { tokens: taken ? available - 1 : available, updatedMs: nowMs };
    return taken ? { ok: true } : { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - available) / perMs / 1000)) };
  }

  // ── credits: reserve, settle, refund ─────────────────────────────────────────────

  private tierOf() {
    return TIERS[this.tenant()?.tier ?? "free"];
  }

  private allowance(): number {
    const tenant = this.tenant();
    return tenant?.monthlyCredits ?? this.tierOf().monthly_credits;
  }

  private ensurePeriod(period: string): void {
    this.sql.exec("INSERT INTO periods (period) VALUES (?) ON CONFLICT (period) DO NOTHING", period);
  }

  private used(period: string): number {
    return Number(this.one("SELECT used FROM periods WHERE period = ?", period)?.used ?? 0);
  }

  private reserved(period: string): number {
    return Number(this.one("SELECT COALESCE(SUM(amount), 0) AS total FROM reservations WHERE period = ?", period)?.total ?? 0);
  }

  private remaining(period: string): number {
    return Math.max(0, this.allowance() - this.used(period) - this.reserved(period));
  }

  private log(kind: string, requestId: string | null, amount: number, period: string): void {
    this.sql.exec("INSERT INTO ledger (at_ms, kind, request_id, amount, used_after) VALUES (?, ?, ?, ?, ?)", Date.now(), kind, requestId, amount, this.used(period));
  }

  /** Releases reservations whose request vanished without settling, so a crash never locks credits away. */
  private expireReservations(nowMs: number): void {
    const stale = this.sql.exec("SELECT id, period, amount, request_id FROM reservations WHERE created_ms < ?", nowMs - RESERVATION_TTL_MS).toArray();
    for (const row of stale) {
      this.sql.exec("DELETE FROM reservations WHERE id = ?", row.id);
      this.log("expire", String(row.request_id), -Number(row.amount), String(row.period));
    }
  }

  /** Holds the worst case of a request, or refuses when what is left cannot cover it. */
  reserve(requestId: string, amount: number, nowMs = Date.now()): ReserveVerdict {
    const period = periodOf(nowMs);
    this.ensurePeriod(period);
    this.expireReservations(nowMs);
    const remaining = this.remaining(period);
    if (amount > remaining) return { ok: false, remaining };
    const reservation = crypto.randomUUID();
    this.sql.exec("INSERT INTO reservations (id, period, amount, request_id, created_ms) VALUES (?, ?, ?, ?, ?)", reservation, period, amount, requestId, nowMs);
    this.log("reserve", requestId, amount, period);
    return { ok: true, reservation };
  }

  /** Turns a reservation into the charge the gpu-service reported (never more than was reserved). */
  settle(reservation: string, settlement: Settlement): number {
    const row = this.one("SELECT period, amount, request_id FROM reservations WHERE id = ?", reservation);
    if (!row) return 0;
    const period = String(row.period);
    const charge = chargeFor(settlement, Number(row.amount));
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("DELETE FROM reservations WHERE id = ?", reservation);
      this.sql.exec(
        `UPDATE periods SET used = used + ?, requests = requests + 1, images = images + ?, teacher_images = teacher_images + ?,
         degraded_images = degraded_images + ? WHERE period = ?`,
        charge, settlement.images, settlement.teacherImages, settlement.degradedImages, period,
      );
      this.log("settle", String(row.request_id), charge, period);
    });
    return charge;
  }

  /** Gives a reservation back in full: failed work is never charged. */
  refund(reservation: string): void {
    const row = this.one("SELECT period, amount, request_id FROM reservations WHERE id = ?", reservation);
    if (!row) return;
    this.sql.exec("DELETE FROM reservations WHERE id = ?", reservation);
    this.log("refund", String(row.request_id), -Number(row.amount), String(row.period));
  }

  /** A request answered from the cache: counted, never charged. */
  recordCacheHit(images: number, nowMs = Date.now()): void {
    const period = periodOf(nowMs);
    this.ensurePeriod(period);
    this.sql.exec("UPDATE periods SET requests = requests + 1, images = images + ?, cache_hits = cache_hits + 1 WHERE period = ?", images, period);
  }

  usage(nowMs = Date.now()): UsageResponse {
    const period = periodOf(nowMs);
    this.ensurePeriod(period);
    const tenant = this.tenant();
    const tier = this.tierOf();
    const row = this.one("SELECT * FROM periods WHERE period = ?", period)!;
    const images = Number(row.images);
    const teacherImages = Number(row.teacher_images);
    return {
      tenant: tenant?.name ?? "",
      tier: tenant?.tier ?? "free",
      period,
      credits: { allowance: this.allowance(), used: Number(row.used), reserved: this.reserved(period), remaining: this.remaining(period) },
      on_low_credits: tier.on_low_credits,
      rate_limit: tier.rate_limit,
      requests: Number(row.requests),
      images,
      teacher_images: teacherImages,
      teacher_share: images === 0 ? 0 : teacherImages / images,
      degraded_images: Number(row.degraded_images),
      cache_hits: Number(row.cache_hits),
    };
  }

  /** The ledger, newest first, for audits and tests. */
  ledger(limit = 100): { kind: string; request_id: string | null; amount: number; used_after: number }[] {
    return this.sql.exec("SELECT kind, request_id, amount, used_after FROM ledger ORDER BY seq DESC LIMIT ?", limit).toArray().map((row) => ({
      kind: String(row.kind),
      request_id: row.request_id === null ? null : String(row.request_id),
      amount: Number(row.amount),
      used_after: Number(row.used_after),
    }));
  }

  // ── idempotency ───────────────────────────────────────────────────────────────────

  /** Claims an Idempotency-Key for a request fingerprint, or says what was already answered under it. */
  beginIdempotent(key: string, fingerprint: string, nowMs = Date.now()): IdempotencyVerdict {
    this.sql.exec("DELETE FROM idempotency WHERE created_ms < ?", nowMs - IDEMPOTENCY_TTL_MS);
    const row = this.one("SELECT fingerprint, state, status, body FROM idempotency WHERE key = ?", key);
    if (!row) {
      this.sql.exec("INSERT INTO idempotency (key, fingerprint, state, created_ms) VALUES (?, ?, 'pending', ?)", key, fingerprint, nowMs);
      return { state: "new" };
    }
    if (!constantTimeEqual(String(row.fingerprint), fingerprint)) return { state: "conflict" };
    if (row.state !== "done") return { state: "in_progress" };
    return { state: "replay", status: Number(row.status), body: String(row.body) };
  }

  completeIdempotent(key: string, status: number, body: string): void {
    this.sql.exec("UPDATE idempotency SET state = 'done', status = ?, body = ? WHERE key = ?", status, body, key);
  }

  /** Forgets a claim whose request failed, so the client's retry runs it again. */
  releaseIdempotent(key: string): void {
    this.sql.exec("DELETE FROM idempotency WHERE key = ? AND state = 'pending'", key);
  }
}
