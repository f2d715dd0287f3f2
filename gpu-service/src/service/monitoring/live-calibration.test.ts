import { describe, expect, it } from "vitest";
import { LiveCalibration } from "./live-calibration.js";

describe("LiveCalibration", () => {
  it("estimates τ(k) over served scores for the calibrated percentiles and for newly requested k", () => {
    const calibration = new LiveCalibration({ percentiles: [10, 50] });
    for (let i = 0; i < 1000; i++) calibration.observe({ oracleScore: i / 1000, k: 30, wantedTeacher: false, servedByTeacher: false });
    const live = new Map(calibration.thresholds().map((t) => [t.k, t.value]));
    expect(live.get(10)).toBeCloseTo(0.1, 1);
    expect(live.get(50)).toBeCloseTo(0.5, 1);
    // k=30 was first seen with the first sample, so it has seen the whole stream too.
    expect(live.get(30)).toBeCloseTo(0.3, 1);
  });

  it("reports the wanted and the served teacher share per requested k over a recent window", () => {
    const calibration = new LiveCalibration({ percentiles: [50], window: 100 });
    // Old traffic: everything wanted and got the teacher; it must age out of the window.
    for (let i = 0; i < 100; i++) calibration.observe({ oracleScore: 0, k: 50, wantedTeacher: true, servedByTeacher: true });
    // Recent traffic: 60% wanted the teacher, but load let only half of those through.
    for (let i = 0; i < 100; i++) {
      const wanted = i % 10 < 6;
      calibration.observe({ oracleScore: i, k: 50, wantedTeacher: wanted, servedByTeacher: wanted && i % 2 === 0 });
    }
    expect(calibration.teacherShares()).toEqual([{ k: 50, wanted: 0.6, served: 0.3, samples: 100 }]);
  });

  it("keeps quantiles but no share for samples without a requested k (student mode, fixed τ)", () => {
    const calibration = new LiveCalibration({ percentiles: [50] });
    calibration.observe({ oracleScore: 1, k: null, wantedTeacher: false, servedByTeacher: false });
    expect(calibration.teacherShares()).toEqual([]);
    expect(calibration.thresholds()).toEqual([{ k: 50, value: 1, samples: 1 }]);
  });

  it("has no quantile to estimate at k = 0 or 100, but still reports their shares", () => {
    const calibration = new LiveCalibration({ percentiles: [] });
    calibration.observe({ oracleScore: 1, k: 100, wantedTeacher: true, servedByTeacher: true });
    expect(calibration.thresholds()).toEqual([]);
    expect(calibration.teacherShares()).toEqual([{ k: 100, wanted: 1, served: 1, samples: 1 }]);
  });
});
