import { TorchGenerator } from "../noise/index.js";
import type { NoiseSource } from "../schedulers/index.js";

/**
 * Noise for a batch of jobs, drawn per job from each job's own generator, so an image does not depend on
 * what it was batched with: a draw of `length` for the batch is `length / B` from every generator in order.
 */
export class BatchNoise implements NoiseSource {
  constructor(private readonly generators: readonly TorchGenerator[]) {}

  static forSeeds(seeds: readonly number[]): BatchNoise {
    return new BatchNoise(seeds.map((seed) => new TorchGenerator(seed)));
  }

  randn(length: number): Float32Array {
    const share = length / this.generators.length;
    if (!Number.isInteger(share)) throw new RangeError(`cannot split ${length} normals over ${this.generators.length} jobs`);
    const out = new Float32Array(length);
    this.generators.forEach((generator, i) => out.set(generator.randn(share), i * share));
    return out;
  }
}
