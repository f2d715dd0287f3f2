/** Milliseconds per named stage of one image; a stage that runs twice (e.g. decoding) accumulates. */
export class StageTimer {
  readonly ms: Record<string, number> = {};

  add(stage: string, ms: number): void {
    this.ms[stage] = (this.ms[stage] ?? 0) + ms;
  }

  async time<T>(stage: string, work: () => Promise<T> | T): Promise<T> {
    const start = performance.now();
    try {
      return await work();
    } finally {
      this.add(stage, performance.now() - start);
    }
  }
}

/** Sums two timing records, e.g. the student's and the teacher's share of one image. */
export function mergeTimings(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): Record<string, number> {
  const merged = { ...a };
  for (const [stage, ms] of Object.entries(b)) merged[stage] = (merged[stage] ?? 0) + ms;
  return merged;
}
