import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { TorchGenerator } from "../noise/index.js";
import { alphasCumprod, betas, createScheduler, resolveSchedulerConfig, type SamplerName, type Scheduler } from "./index.js";

/**
 * Checks every sampler against training/export_reference.py, an independent Python/torch
 * re-implementation of diffusers' schedulers (same formulas, float32 tensors).
 */
const load = <T>(name: string): T =>
  JSON.parse(readFileSync(new URL(`../../../training/reference/${name}`, import.meta.url), "utf8")) as T;

type Config = Record<string, unknown>;
interface AlphasCase {
  config: Config;
  alphasCumprod: number[];
  betas: number[];
}
interface TimestepsCase {
  sampler: SamplerName;
  config: Config;
  steps: number;
  strength?: number;
  img2img?: boolean;
  timesteps: number[];
  sigmas?: number[];
  initNoiseSigma?: number;
}
interface TrajectoryCase {
  sampler: SamplerName;
  config: Config;
  steps: number;
  seed: number;
  strength?: number;
  timesteps: number[];
  initNoiseSigma: number;
  initial: number[];
  states: number[][];
}

/** max |a − b| / max(1, |b|), with b read back as the float32 it was written from. */
function worstError(actual: ArrayLike<number>, expected: readonly number[]): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const want = Math.fround(expected[i]!);
    worst = Math.max(worst, Math.abs(actual[i]! - want) / Math.max(1, Math.abs(want)));
  }
  return worst;
}

function worstRelative(actual: ArrayLike<number>, expected: readonly number[]): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const want = Math.fround(expected[i]!);
    const err = want === 0 ? Math.abs(actual[i]!) : Math.abs(actual[i]! / want - 1);
    worst = Math.max(worst, err);
  }
  return worst;
}

const label = (c: { sampler: string; config: Config; steps: number; strength?: number }) =>
  `${c.sampler} ${JSON.stringify(c.config)} steps=${c.steps}${c.strength === undefined ? "" : ` strength=${c.strength}`}`;

describe("betas and alphas_cumprod", () => {
  for (const c of load<{ cases: AlphasCase[] }>("alphas.json").cases) {
    it(JSON.stringify(c.config), () => {
      expect(worstRelative(alphasCumprod(c.config), c.alphasCumprod)).toBeLessThan(1e-6);
      expect(worstRelative(betas(resolveSchedulerConfig("ddim", c.config)), c.betas)).toBeLessThan(1e-6);
    });
  }
});

describe("timesteps, sigmas and init noise sigma", () => {
  for (const c of load<{ cases: TimestepsCase[] }>("timesteps.json").cases) {
    it(label(c) + (c.img2img ? " img2img" : ""), () => {
      const s = createScheduler(c.sampler, c.config);
      const timesteps = timestepsFor(s, c);
      expect([...timesteps]).toEqual(c.timesteps.map(Math.fround));
      if (c.sigmas) expect(worstRelative((s as unknown as { sigmas: number[] }).sigmas, c.sigmas)).toBeLessThan(1e-6);
      if (c.initNoiseSigma !== undefined) expect(s.initNoiseSigma).toBeCloseTo(Math.fround(c.initNoiseSigma), 5);
    });
  }
});

function timestepsFor(s: Scheduler, c: TimestepsCase): readonly number[] {
  if (c.img2img) return s.timestepsForStrength(c.steps, c.strength!);
  if (c.strength !== undefined) return s.timestepsForStrength(c.steps, c.strength);
  s.setTimesteps(c.steps);
  return s.timesteps;
}

/** The stand-in UNet of export_reference.py: 0.1·x + 0.05·cos(t/100), in float32. */
function toyModel(input: Float32Array, timestep: number): Float32Array {
  const shift = Math.fround(0.05 * Math.cos(timestep / 100));
  const k = Math.fround(0.1);
  return input.map((x) => Math.fround(k * x) + shift);
}

/** The diffusers pipeline loop on the toy model, with one torch-style generator for all noise. */
function runTrajectory(c: TrajectoryCase): { initial: Float32Array; states: Float32Array[] } {
  const s = createScheduler(c.sampler, c.config);
  const generator = new TorchGenerator(c.seed);
  const size = c.initial.length;
  let timesteps: readonly number[];
  let x: Float32Array;
  if (c.strength === undefined) {
    s.setTimesteps(c.steps);
    timesteps = s.timesteps;
    const sigma = s.initNoiseSigma;
    x = generator.randn(size).map((v) => v * sigma);
  } else {
    timesteps = s.timestepsForStrength(c.steps, c.strength);
    const original = generator.randn(size);
    x = s.addNoise(original, generator.randn(size), timesteps[0]!);
  }
  const initial = x;
  const states: Float32Array[] = [];
  for (const t of timesteps) {
    x = s.step(toyModel(s.scaleModelInput(x, t), t), t, x, generator);
    states.push(x);
  }
  return { initial, states };
}

describe("sampling trajectories on a toy model", () => {
  for (const c of load<{ cases: TrajectoryCase[] }>("trajectories.json").cases) {
    it(label(c), () => {
      const { initial, states } = runTrajectory(c);
      expect(worstError(initial, c.initial)).toBeLessThan(1e-6);
      expect(states).toHaveLength(c.states.length);
      const worst = Math.max(...states.map((state, i) => worstError(state, c.states[i]!)));
      // Float32 rounding differences (e.g. torch's vectorised linspace) stay around 1e-6 after 50 steps.
      expect(worst).toBeLessThan(5e-6);
    });
  }
});
