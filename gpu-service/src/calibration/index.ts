export { calibrate, calibrationPrompts, writeThresholds, type CalibrationResult, type CalibrationOptions } from "./calibrate.js";
export { percentile, CALIBRATED_PERCENTILES } from "./percentile.js";
