/**
 * A circuit breaker per gpu-service origin. After `threshold` consecutive failures the origin is skipped
 * for `coolDownMs`; then one probe request is let through, and its outcome closes or re-opens the circuit.
 * State lives in the isolate: each isolate learns about a dead origin on its own, within `threshold` calls.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | null = null;
  private probing = false;

  constructor(
    private readonly threshold = 3,
    private readonly coolDownMs = 5_000,
  ) {}

  /** Whether a request may go to this origin now (claims the single probe slot when half-open). */
  allow(nowMs = Date.now()): boolean {
    if (this.openedAt === null) return true;
    if (this.probing || nowMs - this.openedAt < this.coolDownMs) return false;
    this.probing = true;
    return true;
  }

  /** Milliseconds until the next probe is allowed (0 when closed). */
  retryInMs(nowMs = Date.now()): number {
    return this.openedAt === null ? 0 : Math.max(0, this.coolDownMs - (nowMs - this.openedAt));
  }

  succeeded(): void {
    this.failures = 0;
    this.openedAt = null;
    this.probing = false;
  }

  failed(nowMs = Date.now()): void {
    this.failures += 1;
    if (this.probing || this.failures >= this.threshold) this.openedAt = nowMs;
    this.probing = false;
  }

  get state(): "closed" | "open" | "half-open" {
    if (this.openedAt === null) return "closed";
    return this.probing ? "half-open" : "open";
  }
}

const breakers = new Map<string, CircuitBreaker>();

export function breakerFor(origin: string): CircuitBreaker {
  let breaker = breakers.get(origin);
  if (!breaker) breakers.set(origin, (breaker = new CircuitBreaker()));
  return breaker;
}

/** Test hook: forget every origin's history. */
export function resetBreakers(): void {
  breakers.clear();
}
