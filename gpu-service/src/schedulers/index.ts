import { resolveSchedulerConfig, type ResolvedSchedulerConfig } from "./config.js";
import { DdimScheduler } from "./ddim.js";
import { DpmSolverScheduler } from "./dpm-solver.js";
import { EulerScheduler } from "./euler.js";
import { LcmScheduler } from "./lcm.js";
import type { SamplerName, Scheduler } from "./types.js";

export type { GuidedPrediction, ModelOutput, NoiseSource, SamplerName, Scheduler } from "./types.js";
export { SAMPLER_NAMES } from "./types.js";
export { SchedulerConfig, resolveSchedulerConfig, type ResolvedSchedulerConfig } from "./config.js";
export { alphasCumprod, alphasCumprodOf, betas } from "./betas.js";
export { img2imgStartIndex } from "./base.js";
export { DdimScheduler, DpmSolverScheduler, EulerScheduler, LcmScheduler };

/**
 * A fresh, stateful scheduler for one image run, configured from a diffusers
 * `scheduler_config.json` object as the named sampler's diffusers class would read it.
 */
export function createScheduler(sampler: SamplerName, config: unknown): Scheduler {
  return schedulerFor(sampler, resolveSchedulerConfig(sampler, config));
}

/**
 * A fresh scheduler over a config already resolved for `sampler`: resolve once, then create one per run
 * (schedulers created from the same config object also share its ᾱ table instead of recomputing it).
 */
export function schedulerFor(sampler: SamplerName, config: ResolvedSchedulerConfig): Scheduler {
  switch (sampler) {
    case "ddim":
      return new DdimScheduler(config);
    case "dpmsolver++":
      return new DpmSolverScheduler(config);
    case "euler":
      return new EulerScheduler(config);
    case "lcm":
      return new LcmScheduler(config);
    default:
      throw new Error(`unknown sampler ${String(sampler)}`);
  }
}
