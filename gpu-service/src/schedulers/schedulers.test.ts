import { describe, expect, it } from "vitest";
import { TorchGenerator } from "../noise/index.js";
import {
  type LcmScheduler,
  SAMPLER_NAMES,
  SchedulerConfig,
  alphasCumprod,
  createScheduler,
  img2imgStartIndex,
  resolveSchedulerConfig,
} from "./index.js";

/** Stable Diffusion 1.5's scheduler/scheduler_config.json (a PNDM config, as shipped). */
const SD15 = {
  _class_name: "PNDMScheduler",
  _diffusers_version: "0.6.0",
  beta_end: 0.012,
  beta_schedule: "scaled_linear",
  beta_start: 0.00085,
  num_train_timesteps: 1000,
  set_alpha_to_one: false,
  skip_prk_steps: true,
  steps_offset: 1,
  trained_betas: null,
  clip_sample: false,
};

const constant = (n: number, v: number) => new Float32Array(n).fill(v);

describe("SchedulerConfig", () => {
  it("accepts unknown keys and nulls, dropping them", () => {
    const parsed = SchedulerConfig.parse({ ...SD15, something_new: [1, 2] });
    expect(parsed).not.toHaveProperty("something_new");
    expect(parsed).not.toHaveProperty("_class_name");
    expect(parsed.trained_betas).toBeNull();
  });

  it("fills each class's own defaults for missing keys", () => {
    expect(resolveSchedulerConfig("ddim", {})).toMatchObject({ clip_sample: true, timestep_spacing: "leading", beta_schedule: "linear" });
    expect(resolveSchedulerConfig("dpmsolver++", {})).toMatchObject({ timestep_spacing: "linspace", solver_order: 2, lower_order_final: true });
    expect(resolveSchedulerConfig("euler", {})).toMatchObject({ timestep_spacing: "linspace", final_sigmas_type: "zero" });
    expect(resolveSchedulerConfig("lcm", {})).toMatchObject({
      beta_schedule: "scaled_linear",
      beta_start: 0.00085,
      original_inference_steps: 50,
      timestep_scaling: 10,
    });
    expect(resolveSchedulerConfig("ddim", SD15)).toMatchObject({ steps_offset: 1, set_alpha_to_one: false, clip_sample: false });
  });

  it("rejects malformed values", () => {
    expect(() => createScheduler("ddim", { beta_schedule: "cubic" })).toThrow();
    expect(() => createScheduler("ddim", { num_train_timesteps: 0 })).toThrow();
    expect(() => createScheduler("ddim", { prediction_type: "noise" })).toThrow();
    expect(() => createScheduler("ddim", "not an object")).toThrow();
  });

  it("refuses options that would silently change the numbers", () => {
    expect(() => createScheduler("ddim", { thresholding: true })).toThrow(/thresholding/);
    expect(() => createScheduler("dpmsolver++", { algorithm_type: "sde-dpmsolver++" })).toThrow(/algorithm_type/);
    expect(() => createScheduler("dpmsolver++", { use_karras_sigmas: true })).toThrow(/karras/);
    expect(() => createScheduler("euler", { use_exponential_sigmas: true })).toThrow(/exponential/);
    expect(() => createScheduler("dpmsolver++", { solver_order: 3 })).toThrow(/solver_order/);
    expect(() => createScheduler("euler", { interpolation_type: "log_linear" })).toThrow(/interpolation_type/);
    // Irrelevant to the sampler: ignored, as diffusers ignores them.
    expect(() => createScheduler("ddim", { use_karras_sigmas: true, algorithm_type: "dpmsolver" })).not.toThrow();
  });

  it("takes num_train_timesteps from trained_betas", () => {
    expect(alphasCumprod({ trained_betas: [0.1, 0.2, 0.3] })).toHaveLength(3);
  });
});

describe("every sampler", () => {
  for (const sampler of SAMPLER_NAMES) {
    describe(sampler, () => {
      it("refuses to step before setTimesteps", () => {
        const s = createScheduler(sampler, SD15);
        expect(() => s.step(constant(4, 0), 999, constant(4, 0), new TorchGenerator(0))).toThrow(/setTimesteps/);
      });

      it("rejects mismatched lengths", () => {
        const s = createScheduler(sampler, SD15);
        s.setTimesteps(4);
        expect(() => s.step(constant(4, 0), s.timesteps[0]!, constant(8, 0), new TorchGenerator(0))).toThrow(RangeError);
      });

      it("has order 1 and a descending schedule", () => {
        const s = createScheduler(sampler, SD15);
        s.setTimesteps(8);
        expect(s.order).toBe(1);
        expect(s.timesteps).toHaveLength(8);
        for (let i = 1; i < 8; i++) expect(s.timesteps[i]!).toBeLessThan(s.timesteps[i - 1]!);
      });

      it("is deterministic and restarts cleanly after setTimesteps", () => {
        const s = createScheduler(sampler, SD15);
        const run = () => {
          s.setTimesteps(6);
          const g = new TorchGenerator(5);
          let x: Float32Array = g.randn(32).map((v) => v * s.initNoiseSigma);
          for (const t of s.timesteps) x = s.step(s.scaleModelInput(x, t).map((v) => 0.2 * v), t, x, g);
          return x;
        };
        const first = run();
        expect(run()).toEqual(first);
        expect(first.every(Number.isFinite)).toBe(true);
      });

      it("updates the latents in place exactly as it writes a new array", () => {
        const run = (inPlace: boolean) => {
          const s = createScheduler(sampler, SD15);
          s.setTimesteps(6);
          const g = new TorchGenerator(5);
          let x: Float32Array = g.randn(32);
          for (const t of s.timesteps) {
            const output = s.scaleModelInput(x, t).map((v) => 0.2 * v + 0.1);
            x = inPlace ? s.step(output, t, x, g, x) : s.step(output, t, x, g);
          }
          return x;
        };
        expect(run(true)).toEqual(run(false));
      });

      it("returns no steps for strength 0 and the full schedule for strength 1", () => {
        const s = createScheduler(sampler, SD15);
        if (sampler === "lcm") {
          expect(() => s.timestepsForStrength(4, 0)).toThrow(RangeError);
          expect(s.timestepsForStrength(4, 1)).toEqual(lcmFull(4));
          return;
        }
        expect(s.timestepsForStrength(10, 0)).toEqual([]);
        expect(s.timestepsForStrength(10, 1)).toEqual(s.timesteps);
      });
    });
  }
});

function lcmFull(n: number): readonly number[] {
  const s = createScheduler("lcm", {});
  s.setTimesteps(n);
  return s.timesteps;
}

describe("a guided prediction", () => {
  // The step combines ε_u + s·(ε_c − ε_u) in its own pass; it must be the very same float32 as a combined array.
  for (const sampler of SAMPLER_NAMES) {
    for (const prediction_type of ["epsilon", "sample", "v_prediction"] as const) {
      it(`${sampler} (${prediction_type}): steps exactly as on the combined array`, () => {
        const run = (guided: boolean) => {
          const s = createScheduler(sampler, { ...SD15, prediction_type });
          s.setTimesteps(6);
          const noise = new TorchGenerator(12);
          let x = new TorchGenerator(11).randn(32);
          for (const t of s.timesteps) {
            const unconditional = x.map((v) => 0.3 * v + Math.sin(t));
            const conditional = x.map((v) => Math.cos(t) - 0.2 * v);
            const combined = unconditional.map((u, i) => u + 7.5 * (conditional[i]! - u));
            const stacked = new Float32Array([...unconditional, ...conditional]);
            x = s.step(guided ? { stacked, scale: 7.5 } : combined, t, x, noise);
          }
          return x;
        };
        expect(run(true)).toEqual(run(false));
      });
    }
  }
});

describe("img2imgStartIndex", () => {
  it("follows StableDiffusionImg2ImgPipeline.get_timesteps (truncating n·strength)", () => {
    expect(img2imgStartIndex(10, 0.3)).toBe(7);
    expect(img2imgStartIndex(10, 0.75)).toBe(3); // int(7.5) = 7 steps run
    expect(img2imgStartIndex(50, 0.6)).toBe(20);
    expect(img2imgStartIndex(4, 1)).toBe(0);
    expect(() => img2imgStartIndex(10, 1.5)).toThrow(RangeError);
  });
});

describe("DDIM", () => {
  it("with set_alpha_to_one, one step returns the x0 prediction", () => {
    const s = createScheduler("ddim", { ...SD15, set_alpha_to_one: true });
    s.setTimesteps(1);
    const t = s.timesteps[0]!;
    const alpha = alphasCumprod(SD15)[t]!;
    const eps = constant(3, 0.5);
    const x = constant(3, 1);
    const expected = (1 - Math.sqrt(1 - alpha) * 0.5) / Math.sqrt(alpha);
    for (const v of s.step(eps, t, x)) expect(v).toBeCloseTo(expected, 5);
  });

  it("addNoise is the forward process √ᾱ·x0 + √(1−ᾱ)·ε at any training timestep", () => {
    const s = createScheduler("ddim", SD15);
    const alpha = alphasCumprod(SD15)[500]!;
    const [v] = s.addNoise(constant(1, 2), constant(1, -1), 500);
    expect(v).toBeCloseTo(2 * Math.sqrt(alpha) - Math.sqrt(1 - alpha), 6);
    expect(() => s.addNoise(constant(1, 0), constant(1, 0), 1000)).toThrow(RangeError);
    expect(() => s.addNoise(constant(1, 0), constant(1, 0), 10.5)).toThrow(RangeError);
  });

  it("step refuses a timestep that is not an integer training timestep", () => {
    const s = createScheduler("ddim", SD15);
    s.setTimesteps(10);
    for (const t of [0.5, 10.5, -1, 1000]) expect(() => s.step(constant(1, 0), t, constant(1, 0))).toThrow(RangeError);
  });

  it("a new schedule brings its own step coefficients", () => {
    // The same timestep steps further with fewer inference steps (Δ = T // n).
    const s = createScheduler("ddim", SD15);
    s.setTimesteps(10);
    const [ten] = s.step(constant(1, 0.5), 501, constant(1, 1));
    s.setTimesteps(50);
    const [fifty] = s.step(constant(1, 0.5), 501, constant(1, 1));
    const fresh = createScheduler("ddim", SD15);
    fresh.setTimesteps(50);
    expect(fresh.step(constant(1, 0.5), 501, constant(1, 1))[0]).toBe(fifty);
    expect(fifty).not.toBe(ten);
  });
});

describe("DPM-Solver++ and Euler keep a step counter", () => {
  for (const sampler of ["dpmsolver++", "euler"] as const) {
    it(`${sampler}: insists on the schedule's order`, () => {
      const s = createScheduler(sampler, SD15);
      s.setTimesteps(5);
      const x = constant(4, 0.1);
      const next = s.step(x, s.timesteps[0]!, x);
      expect(() => s.step(next, s.timesteps[2]!, next)).toThrow(/expected timestep/);
    });

    it(`${sampler}: can start mid-schedule by timestep, like after timestepsForStrength`, () => {
      const a = createScheduler(sampler, SD15);
      const tail = a.timestepsForStrength(10, 0.5);
      const b = createScheduler(sampler, SD15);
      b.setTimesteps(10);
      let xa: Float32Array = constant(4, 0.3);
      let xb: Float32Array = constant(4, 0.3);
      for (const t of tail) {
        xa = a.step(a.scaleModelInput(xa, t), t, xa);
        xb = b.step(b.scaleModelInput(xb, t), t, xb);
      }
      expect(xb).toEqual(xa);
    });
  }

  it("dpmsolver++: keeps its own copy of each x̂0, so a caller may reuse its model-output buffer (prediction_type sample)", () => {
    // With "sample" the model output is x̂0 itself; history holding the caller's buffer made D1 = 0 once it was reused.
    const run = (reuseBuffer: boolean) => {
      const s = createScheduler("dpmsolver++", { ...SD15, prediction_type: "sample" });
      s.setTimesteps(8);
      const buffer = new Float32Array(16);
      let x = new TorchGenerator(3).randn(16);
      for (const t of s.timesteps) {
        const output = reuseBuffer ? buffer : new Float32Array(16);
        x.forEach((v, i) => (output[i] = 0.5 * v + Math.cos(t / 100)));
        x = s.step(output, t, x);
      }
      return x;
    };
    expect(run(true)).toEqual(run(false));
  });

  it("euler: scales the model input by 1/√(σ²+1) and its noise by σ", () => {
    const s = createScheduler("euler", SD15);
    s.setTimesteps(10);
    const sigma = s.initNoiseSigma; // max σ for linspace spacing
    const t = s.timesteps[0]!;
    expect(s.addNoise(constant(1, 1), constant(1, 1), t)[0]).toBeCloseTo(1 + sigma, 4);
    expect(s.scaleModelInput(constant(1, 1), t)[0]).toBeCloseTo(1 / Math.sqrt(sigma * sigma + 1), 6);
    expect(sigma).toBeGreaterThan(14);
  });
});

describe("LCM", () => {
  it("needs a noise source between steps but not after the last", () => {
    const s = createScheduler("lcm", {});
    s.setTimesteps(2);
    const x = constant(4, 0.1);
    expect(() => s.step(x, s.timesteps[0]!, x)).toThrow(/noise/);
    const s1 = createScheduler("lcm", {});
    s1.setTimesteps(1);
    expect(s1.step(x, s1.timesteps[0]!, x)).toHaveLength(4);
  });

  it("uses the distillation grid: 4 steps of 50 → 999, 759, 499, 259", () => {
    const s = createScheduler("lcm", {});
    s.setTimesteps(4);
    expect(s.timesteps).toEqual([999, 759, 499, 259]);
  });

  it("rejects more steps than original_inference_steps × strength leaves", () => {
    const s = createScheduler("lcm", {});
    expect(() => s.setTimesteps(51)).toThrow(RangeError);
    expect(() => s.timestepsForStrength(4, 0.05)).toThrow(RangeError);
  });

  it("is the only sampler offering custom timesteps", () => {
    for (const sampler of SAMPLER_NAMES) {
      expect(typeof createScheduler(sampler, {}).setCustomTimesteps === "function").toBe(sampler === "lcm");
    }
  });

  it("accepts custom descending timesteps and exposes the last clean estimate", () => {
    const s = createScheduler("lcm", {}) as LcmScheduler;
    s.setCustomTimesteps([999, 499]);
    expect(s.timesteps).toEqual([999, 499]);
    const g = new TorchGenerator(1);
    let x = g.randn(8);
    for (const t of s.timesteps) x = s.step(constant(8, 0), t, x, g);
    expect(s.denoised).toEqual(x);
    expect(() => s.setCustomTimesteps([10, 20])).toThrow(RangeError);
  });
});

describe("every step count a user may ask for", () => {
  // numpy's float arange can yield one point too many (e.g. n = 61 with T = 1000: 1000 / (1000 / 61) is just
  // above 61), which trailing spacing turned into timestep -1: a 500 for a user asking for 61 steps.
  const spacings = ["leading", "trailing", "linspace"] as const;
  for (const sampler of ["ddim", "dpmsolver++", "euler"] as const) {
    for (const spacing of spacings) {
      it(`${sampler} with ${spacing} spacing gives n descending timesteps in [0, T) for every n in 1..1000`, () => {
        const failures: string[] = [];
        // DPM-Solver++ spaces n + 1 points below T, so it takes at most T - 1 steps.
        const maxSteps = sampler === "dpmsolver++" ? 999 : 1000;
        for (let n = 1; n <= maxSteps; n++) {
          const scheduler = createScheduler(sampler, { num_train_timesteps: 1000, timestep_spacing: spacing });
          scheduler.setTimesteps(n);
          const ts = scheduler.timesteps;
          const descending = ts.every((t, i) => i === 0 || t < ts[i - 1]!);
          const inRange = ts.every((t) => t >= 0 && t <= 999);
          if (ts.length !== n || !descending || !inRange) failures.push(`n=${n}: ${ts.length} steps, last ${ts.at(-1)}`);
        }
        expect(failures).toEqual([]);
        if (maxSteps < 1000) {
          expect(() => createScheduler(sampler, { timestep_spacing: spacing }).setTimesteps(1000)).toThrow(RangeError);
        }
      });
    }
  }
});
