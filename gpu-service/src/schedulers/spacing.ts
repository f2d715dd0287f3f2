import type { ResolvedSchedulerConfig } from "./config.js";
import { npArange, npLinspace, roundHalfEven } from "./numeric.js";

/**
 * Inference timestep schedules (descending), as diffusers' set_timesteps builds them. "leading",
 * "trailing" and "linspace" are the spacings of Table 2 in Lin et al. 2023 (arXiv:2305.08891).
 * Rounding is numpy's (half to even).
 */

function checkSteps(n: number, maxSteps: number): void {
  if (!Number.isInteger(n) || n < 1 || n > maxSteps) {
    throw new RangeError(`num_inference_steps must be an integer in [1, ${maxSteps}], got ${n}`);
  }
}

/**
 * diffusers' trailing spacing, `round(arange(start, 0, -T/n)) - 1`. numpy's float arange sizes itself as
 * ceil(start / (T/n)), which for some n (61, 103, 121, ... with T = 1000) rounds up to n + 1 and appends
 * timestep -1; the schedule is the first n points.
 */
function trailing(n: number, start: number, trainSteps: number): number[] {
  return npArange(start, 0, -trainSteps / n).slice(0, n).map((t) => roundHalfEven(t) - 1);
}

/** DDIMScheduler.set_timesteps (also EulerDiscrete's, which keeps linspace un-rounded: see eulerTimesteps). */
export function ddimTimesteps(n: number, c: ResolvedSchedulerConfig): number[] {
  const T = c.num_train_timesteps;
  checkSteps(n, T);
  switch (c.timestep_spacing) {
    case "linspace":
      return npLinspace(0, T - 1, n).map(roundHalfEven).reverse();
    case "leading":
      return leading(n, Math.floor(T / n), c.steps_offset);
    case "trailing":
      return trailing(n, T, T);
  }
}

/**
 * DPMSolverMultistepScheduler.set_timesteps: spaces n+1 points and drops the last (t = 0), so the
 * final step lands on sigma_last instead of evaluating the model at t = 0.
 */
export function dpmTimesteps(n: number, lastTimestep: number, c: ResolvedSchedulerConfig): number[] {
  // n + 1 distinct points must fit below lastTimestep, or the schedule repeats timesteps.
  checkSteps(n, Math.min(c.num_train_timesteps, lastTimestep - 1));
  switch (c.timestep_spacing) {
    case "linspace":
      return npLinspace(0, lastTimestep - 1, n + 1).map(roundHalfEven).reverse().slice(0, n);
    case "leading":
      return leading(n + 1, Math.floor(lastTimestep / (n + 1)), c.steps_offset).slice(0, n);
    case "trailing":
      return trailing(n, lastTimestep, c.num_train_timesteps);
  }
}

/** EulerDiscreteScheduler.set_timesteps: float32 timesteps; linspace ones are not rounded. */
export function eulerTimesteps(n: number, c: ResolvedSchedulerConfig): number[] {
  if (c.timestep_spacing === "linspace") {
    checkSteps(n, c.num_train_timesteps);
    return npLinspace(0, c.num_train_timesteps - 1, n).map(Math.fround).reverse();
  }
  return ddimTimesteps(n, c);
}

function leading(count: number, ratio: number, offset: number): number[] {
  return Array.from({ length: count }, (_, i) => (count - 1 - i) * ratio + offset);
}

/**
 * LCMScheduler.set_timesteps: the distillation grid of `original_inference_steps` timesteps
 * (k·i − 1, k = T / original), cut to the first `strength` share, then n of them picked evenly
 * from the top (floor of a linspace without endpoint). Spacing and steps_offset don't apply.
 */
export function lcmTimesteps(n: number, c: ResolvedSchedulerConfig, strength = 1): number[] {
  const T = c.num_train_timesteps;
  const original = c.original_inference_steps;
  if (original > T) throw new RangeError(`original_inference_steps ${original} exceeds num_train_timesteps ${T}`);
  checkSteps(n, T);
  const k = Math.floor(T / original);
  const originCount = Math.trunc(original * strength);
  if (Math.floor(originCount / n) < 1) {
    throw new RangeError(
      `LCM: original_inference_steps × strength = ${original} × ${strength} leaves ${originCount} timesteps, fewer than ${n} steps`,
    );
  }
  // Descending grid: (originCount)·k − 1, ..., k − 1.
  const origin = Array.from({ length: originCount }, (_, i) => (originCount - i) * k - 1);
  return npLinspace(0, originCount, n, false).map((x) => origin[Math.floor(x)]!);
}
