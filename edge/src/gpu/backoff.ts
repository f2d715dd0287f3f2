/** "Full jitter" backoff: a uniform wait in [0, min(cap, base·2^attempt)], so retries from many isolates spread out. */
export function backoffMs(attempt: number, baseMs = 50, capMs = 1_000, random = Math.random): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** attempt));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
