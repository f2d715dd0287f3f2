import { describe, expect, it } from "vitest";
import { createScheduler } from "../schedulers/index.js";
import { setSchedule } from "./latents.js";

const config = { num_train_timesteps: 1000, beta_schedule: "squaredcos_cap_v2", prediction_type: "v_prediction", original_inference_steps: 50 };

describe("setSchedule", () => {
  it("uses the timesteps the student was distilled on for their step count", () => {
    const lcm = createScheduler("lcm", config);
    setSchedule(lcm, 2, [979, 459]);
    expect(lcm.timesteps).toEqual([979, 459]);
  });

  it("falls back to the sampler's spacing for other step counts and for samplers without custom schedules", () => {
    const lcm = createScheduler("lcm", config);
    setSchedule(lcm, 3, [979, 459]);
    expect(lcm.timesteps).toHaveLength(3);
    const ddim = createScheduler("ddim", config);
    setSchedule(ddim, 2, [979, 459]);
    expect(ddim.timesteps).not.toEqual([979, 459]);
  });
});
