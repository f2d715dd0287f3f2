import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { DegradedReason, Route } from "@understudy/shared";
import type { LiveCalibration } from "./live-calibration.js";

/** Stages whose service time is measured (in the worker, excluding queueing). */
export type TimedStage = "resolve" | "student" | "teacher_refine" | "teacher_regenerate" | "teacher_only";
export type QueueName = "student" | "teacher";
/** Why a request was refused at admission; "deadline": it could not have finished before the caller's deadline. */
export type ShedReason = "student_queue_full" | "teacher_queue_full" | "deadline" | "draining";

/** 1 ms … ~33 s: student batches on a GPU take milliseconds, a teacher run on a CPU several seconds. */
const SECONDS_BUCKETS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 33];

/**
 * Every metric the service exports, on its own registry (several services can live in one test process).
 * Names follow Prometheus conventions: `_seconds` histograms, `_total` counters, labels of small cardinality.
 */
export class ServiceMetrics {
  readonly registry = new Registry();

  readonly queueDepth = new Gauge({
    name: "understudy_queue_depth",
    help: "Images waiting per stage queue; the autoscaler's signal.",
    labelNames: ["queue"] as const,
    registers: [this.registry],
  });
  readonly batchSize = new Histogram({
    name: "understudy_student_batch_size",
    help: "Student jobs per batched student stage (one UNet call per step for the whole batch).",
    buckets: [1, 2, 3, 4, 6, 8, 12, 16, 24, 32],
    registers: [this.registry],
  });
  readonly stageSeconds = new Histogram({
    name: "understudy_stage_duration_seconds",
    help: "Service time of a pipeline stage in a worker (a whole batch for the student stage).",
    labelNames: ["stage"] as const,
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  readonly queueWaitSeconds = new Histogram({
    name: "understudy_queue_wait_seconds",
    help: "Time an image waited in a stage queue before a worker took it.",
    labelNames: ["queue"] as const,
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  readonly images = new Counter({
    name: "understudy_images_total",
    help: "Images served, by route taken (student, refined, regenerated, teacher).",
    labelNames: ["route"] as const,
    registers: [this.registry],
  });
  readonly degraded = new Counter({
    name: "understudy_degraded_total",
    help: "Images served from the student although the oracle wanted the teacher, by reason.",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });
  readonly shed = new Counter({
    name: "understudy_shed_requests_total",
    help: "Requests refused with 503 by admission control, by reason.",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });
  readonly oracleScore: Histogram;
  readonly httpSeconds = new Histogram({
    name: "understudy_http_request_duration_seconds",
    help: "HTTP round trip inside the service, by route pattern and status.",
    labelNames: ["method", "route", "status"] as const,
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  readonly workerRestarts = new Counter({
    name: "understudy_worker_restarts_total",
    help: "Inference worker threads replaced after dying.",
    registers: [this.registry],
  });
  readonly workersReady = new Gauge({
    name: "understudy_workers_ready",
    help: "Inference worker threads with the bundle loaded and warmed up.",
    registers: [this.registry],
  });

  constructor(options: { calibration: LiveCalibration; calibratedThresholds: Record<string, number> }) {
    const { calibration, calibratedThresholds } = options;
    this.oracleScore = new Histogram({
      name: "understudy_oracle_score",
      help: "Oracle scores of served student samples; buckets are the bundle's calibrated τ(k), so each should hold 5% of the mass.",
      buckets: oracleBuckets(calibratedThresholds),
      registers: [this.registry],
    });
    new Gauge({
      name: "understudy_oracle_threshold",
      help: "τ(k): calibrated offline on the calibration prompts, and its live estimate over served scores (P²).",
      labelNames: ["k", "source"] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [k, value] of Object.entries(calibratedThresholds)) this.set({ k, source: "calibrated" }, value);
        for (const { k, value, samples } of calibration.thresholds()) if (samples > 0) this.set({ k: String(k), source: "live" }, value);
      },
    });
    new Gauge({
      name: "understudy_teacher_share",
      help: "Teacher share per requested k over recent traffic: requested (k/100), wanted (score below τ), served (teacher actually ran).",
      labelNames: ["k", "kind"] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const share of calibration.teacherShares()) {
          const k = String(share.k);
          this.set({ k, kind: "requested" }, share.k / 100);
          this.set({ k, kind: "wanted" }, share.wanted);
          this.set({ k, kind: "served" }, share.served);
        }
      },
    });
    collectDefaultMetrics({ register: this.registry });
  }

  recordImage(route: Route, degradedReason: DegradedReason | null): void {
    this.images.inc({ route });
    if (degradedReason) this.degraded.inc({ reason: degradedReason });
  }
}

function oracleBuckets(thresholds: Record<string, number>): number[] {
  const buckets = [...new Set(Object.values(thresholds))].sort((a, b) => a - b);
  return buckets.length > 0 ? buckets : [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
}
