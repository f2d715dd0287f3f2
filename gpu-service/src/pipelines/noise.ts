import { TorchGenerator } from "../noise/index.js";
import type { NoiseSource } from "../schedulers/index.js";

/**
 * Noise for a batch of jobs, drawn per job from each job's own generator, so an image does not depend on
 * what it was batched with: a draw of `length` for the batch is `length / B` from every generator in order.
 */
export class BatchNoise implements NoiseSource {
  /** Seeded on the first draw: a deterministic sampler (the teacher's DDIM) is handed noise it never draws. */
  private generators: readonly TorchGenerator[] | null = null;

  private constructor(private readonly seeds: readonly number[]) {}

  static forSeeds(seeds: readonly number[]): BatchNoise {
    return new BatchNoise(seeds);
  }

  randn(length: number): Float32Array {
    const generators = (this.generators ??= this.seeds.map((seed) => new TorchGenerator(seed)));
    const share = length / generators.length;
    if (!Number.isInteger(share)) throw new RangeError(`cannot split ${length} normals over ${generators.length} jobs`);
    const out = new Float32Array(length);
    generators.forEach((generator, i) => out.set(generator.randn(share), i * share));
    return out;
  }
}
