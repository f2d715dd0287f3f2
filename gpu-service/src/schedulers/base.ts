import { alphasCumprodOf } from "./betas.js";
import type { ResolvedSchedulerConfig } from "./config.js";
import type { ModelOutput, NoiseSource, Scheduler } from "./types.js";

/**
 * StableDiffusionImg2ImgPipeline.get_timesteps: how many leading entries of an n-step schedule an
 * img2img / SDEdit run skips for `strength` (1 = start from pure noise, 0 = do nothing).
 */
export function img2imgStartIndex(numInferenceSteps: number, strength: number): number {
  if (!(strength >= 0 && strength <= 1)) throw new RangeError(`strength must be in [0, 1], got ${strength}`);
  const initTimestep = Math.min(Math.trunc(numInferenceSteps * strength), numInferenceSteps);
  return Math.max(numInferenceSteps - initTimestep, 0);
}

/**
 * diffusers' `index_for_timestep`: the position of `timestep` in the schedule; when it occurs more
 * than once, the second occurrence (so a run that starts mid-schedule doesn't skip a sigma).
 * Returns -1 when absent.
 */
export function indexForTimestep(schedule: readonly number[], timestep: number): number {
  const first = schedule.indexOf(timestep);
  if (first < 0) return -1;
  const second = schedule.indexOf(timestep, first + 1);
  return second < 0 ? first : second;
}

/**
 * ᾱ by resolved config: the table depends on the config alone, and a service creates a scheduler per run
 * from the same config object. Shared, so schedulers only ever read it.
 */
const alphasCumprodByConfig = new WeakMap<ResolvedSchedulerConfig, Float64Array>();

function sharedAlphasCumprod(config: ResolvedSchedulerConfig): Float64Array {
  let table = alphasCumprodByConfig.get(config);
  if (!table) alphasCumprodByConfig.set(config, (table = alphasCumprodOf(config)));
  return table;
}

export function checkSameLength(a: Float32Array, b: Float32Array, what: string): void {
  if (a.length !== b.length) throw new RangeError(`${what}: length ${a.length} ≠ ${b.length}`);
}

/** What all four samplers share: config, ᾱ, the schedule, and the step counter diffusers keeps. */
export abstract class BaseScheduler implements Scheduler {
  readonly order = 1;
  protected readonly alphasCumprod: Float64Array;
  protected schedule: number[] = [];
  protected numInferenceSteps = 0;
  /** diffusers' `_step_index`: set on the first step, then counts up. */
  protected stepIndex: number | null = null;
  /** diffusers' `_begin_index`: set by timestepsForStrength so a mid-schedule start is unambiguous. */
  protected beginIndex: number | null = null;

  constructor(protected readonly config: ResolvedSchedulerConfig) {
    this.alphasCumprod = sharedAlphasCumprod(config);
  }

  get timesteps(): readonly number[] {
    return this.schedule;
  }

  abstract get initNoiseSigma(): number;

  setTimesteps(numInferenceSteps: number): void {
    this.schedule = this.buildTimesteps(numInferenceSteps);
    this.numInferenceSteps = this.schedule.length;
    this.stepIndex = null;
    this.beginIndex = null;
    this.resetHistory();
  }

  scaleModelInput(sample: Float32Array, _timestep: number): Float32Array {
    return sample;
  }

  timestepsForStrength(numInferenceSteps: number, strength: number): readonly number[] {
    const start = img2imgStartIndex(numInferenceSteps, strength);
    this.setTimesteps(numInferenceSteps);
    this.beginIndex = start;
    return this.schedule.slice(start);
  }

  abstract step(modelOutput: ModelOutput, timestep: number, sample: Float32Array, noise?: NoiseSource, out?: Float32Array): Float32Array;
  abstract addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array;

  protected abstract buildTimesteps(numInferenceSteps: number): number[];

  /** Clears what the previous schedule left behind: multistep history, DDIM's coefficient table. */
  protected resetHistory(): void {}

  protected requireSchedule(): void {
    if (this.schedule.length === 0) throw new Error("setTimesteps must be called before step");
  }

  /**
   * The step counter for the step at `timestep` (diffusers' `_init_step_index` on first use). We
   * also insist that the caller passes the timestep the counter points at: diffusers silently
   * trusts its counter, which hides pipeline bugs.
   */
  protected indexForStep(timestep: number): number {
    this.requireSchedule();
    if (this.stepIndex === null) {
      this.stepIndex = this.beginIndex ?? indexForTimestep(this.schedule, timestep);
      if (this.stepIndex < 0) throw new RangeError(`timestep ${timestep} is not in the schedule`);
    }
    const expected = this.schedule[this.stepIndex];
    if (expected === undefined) throw new RangeError(`step called after the last timestep (${timestep})`);
    if (expected !== timestep) throw new RangeError(`expected timestep ${expected}, got ${timestep}`);
    return this.stepIndex;
  }

  /** ᾱ at an integer training timestep. */
  protected alphaProd(timestep: number): number {
    const a = this.alphasCumprod[timestep];
    if (!Number.isInteger(timestep) || a === undefined) {
      throw new RangeError(`timestep ${timestep} is not an integer in [0, ${this.alphasCumprod.length})`);
    }
    return a;
  }
}
