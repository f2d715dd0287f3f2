import { z } from "zod";
import type { SamplerName } from "./types.js";

/**
 * A diffusers `scheduler_config.json`. Every key is optional (and may be null, as diffusers writes
 * some), because the defaults depend on which scheduler class reads the file: diffusers'
 * `Scheduler.from_config(other_config)` keeps the target class's `__init__` defaults for missing
 * keys. Unknown keys (`_class_name`, `skip_prk_steps`, ...) are accepted and dropped.
 */
const optional = <T extends z.ZodType>(schema: T) => schema.nullish();

export const SchedulerConfig = z.object({
  num_train_timesteps: optional(z.number().int().min(2).max(100_000)),
  beta_start: optional(z.number().positive()),
  beta_end: optional(z.number().positive()),
  beta_schedule: optional(z.enum(["linear", "scaled_linear", "squaredcos_cap_v2"])),
  trained_betas: optional(z.array(z.number().gt(0).lt(1)).min(2)),
  timestep_spacing: optional(z.enum(["leading", "trailing", "linspace"])),
  steps_offset: optional(z.number().int().min(0)),
  set_alpha_to_one: optional(z.boolean()),
  prediction_type: optional(z.enum(["epsilon", "v_prediction", "sample"])),
  clip_sample: optional(z.boolean()),
  clip_sample_range: optional(z.number().positive()),
  thresholding: optional(z.boolean()),
  rescale_betas_zero_snr: optional(z.boolean()),
  // DPM-Solver
  solver_order: optional(z.number().int().min(1).max(3)),
  algorithm_type: optional(z.string()),
  solver_type: optional(z.enum(["midpoint", "heun"])),
  lower_order_final: optional(z.boolean()),
  euler_at_final: optional(z.boolean()),
  final_sigmas_type: optional(z.enum(["zero", "sigma_min"])),
  lambda_min_clipped: optional(z.number()),
  use_karras_sigmas: optional(z.boolean()),
  use_lu_lambdas: optional(z.boolean()),
  use_exponential_sigmas: optional(z.boolean()),
  use_beta_sigmas: optional(z.boolean()),
  use_flow_sigmas: optional(z.boolean()),
  variance_type: optional(z.string()),
  // Euler
  interpolation_type: optional(z.string()),
  timestep_type: optional(z.string()),
  // LCM
  original_inference_steps: optional(z.number().int().positive()),
  timestep_scaling: optional(z.number().positive()),
});
export type SchedulerConfig = z.infer<typeof SchedulerConfig>;

/** A config with every key the samplers here read filled in, per diffusers' class defaults. */
export interface ResolvedSchedulerConfig {
  num_train_timesteps: number;
  beta_start: number;
  beta_end: number;
  beta_schedule: "linear" | "scaled_linear" | "squaredcos_cap_v2";
  trained_betas: readonly number[] | null;
  timestep_spacing: "leading" | "trailing" | "linspace";
  steps_offset: number;
  set_alpha_to_one: boolean;
  prediction_type: "epsilon" | "v_prediction" | "sample";
  clip_sample: boolean;
  clip_sample_range: number;
  solver_order: number;
  solver_type: "midpoint" | "heun";
  lower_order_final: boolean;
  euler_at_final: boolean;
  final_sigmas_type: "zero" | "sigma_min";
  lambda_min_clipped: number;
  original_inference_steps: number;
  timestep_scaling: number;
}

const COMMON: ResolvedSchedulerConfig = {
  num_train_timesteps: 1000,
  beta_start: 0.0001,
  beta_end: 0.02,
  beta_schedule: "linear",
  trained_betas: null,
  timestep_spacing: "leading",
  steps_offset: 0,
  set_alpha_to_one: true,
  prediction_type: "epsilon",
  clip_sample: false,
  clip_sample_range: 1,
  solver_order: 2,
  solver_type: "midpoint",
  lower_order_final: true,
  euler_at_final: false,
  final_sigmas_type: "zero",
  lambda_min_clipped: Number.NEGATIVE_INFINITY,
  original_inference_steps: 50,
  timestep_scaling: 10,
};

/** diffusers' `__init__` defaults where they differ from COMMON. */
const CLASS_DEFAULTS: Record<SamplerName, Partial<ResolvedSchedulerConfig>> = {
  ddim: { clip_sample: true, timestep_spacing: "leading" },
  "dpmsolver++": { timestep_spacing: "linspace" },
  euler: { timestep_spacing: "linspace" },
  lcm: { beta_start: 0.00085, beta_end: 0.012, beta_schedule: "scaled_linear", timestep_spacing: "leading" },
};

/** Parses a raw config and fills diffusers' defaults for `sampler`; rejects features we don't implement. */
export function resolveSchedulerConfig(sampler: SamplerName, raw: unknown): ResolvedSchedulerConfig {
  const parsed = SchedulerConfig.parse(raw ?? {});
  rejectUnsupported(sampler, parsed);
  const present = Object.fromEntries(Object.entries(parsed).filter(([, v]) => v !== null && v !== undefined));
  const resolved = { ...COMMON, ...CLASS_DEFAULTS[sampler], ...present } as ResolvedSchedulerConfig;
  if (resolved.trained_betas) resolved.num_train_timesteps = resolved.trained_betas.length;
  return resolved;
}

/**
 * Options that would change the numbers but are not implemented: failing loudly beats sampling
 * with a silently different schedule.
 */
function rejectUnsupported(sampler: SamplerName, c: SchedulerConfig): void {
  const fail = (what: string) => {
    throw new Error(`scheduler config: ${what} is not supported by the ${sampler} sampler`);
  };
  if (c.thresholding) fail("thresholding");
  if (c.rescale_betas_zero_snr) fail("rescale_betas_zero_snr");
  if (sampler === "dpmsolver++" || sampler === "euler") {
    for (const key of ["use_karras_sigmas", "use_exponential_sigmas", "use_beta_sigmas", "use_flow_sigmas"] as const) {
      if (c[key]) fail(key);
    }
  }
  if (sampler === "dpmsolver++") {
    if (c.algorithm_type && c.algorithm_type !== "dpmsolver++") fail(`algorithm_type ${c.algorithm_type}`);
    if (c.solver_order === 3) fail("solver_order 3");
    if (c.use_lu_lambdas) fail("use_lu_lambdas");
    if (c.variance_type === "learned" || c.variance_type === "learned_range") fail(`variance_type ${c.variance_type}`);
  }
  if (sampler === "euler") {
    if (c.interpolation_type && c.interpolation_type !== "linear") fail(`interpolation_type ${c.interpolation_type}`);
    if (c.timestep_type && c.timestep_type !== "discrete") fail(`timestep_type ${c.timestep_type}`);
  }
}
