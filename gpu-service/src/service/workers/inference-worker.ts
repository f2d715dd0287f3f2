// An inference worker thread: loads the bundle once, warms it up, then runs pipeline stages on request.
import { InternalGenerateRequest } from "@understudy/shared";
import { AdaptivePipeline, routedOutcome } from "../../pipelines/index.js";
import { serveTasks } from "./protocol.js";
import type { InferenceTasks, InferenceWorkerData, InferenceWorkerReady } from "./inference-tasks.js";

/**
 * Full student and teacher batches, then one image timed through both stages, before the worker reports
 * ready: onnxruntime allocates and optimises on first use, and `/readyz` must not admit traffic into that.
 */
async function warmUp(pipeline: AdaptivePipeline, maxBatch: number, maxTeacherBatch: number): Promise<InferenceWorkerReady["warmup"]> {
  const request = InternalGenerateRequest.parse({
    version: "v1",
    request_id: "warm-up",
    prompt: "warm-up",
    seed: 0,
    n: 1,
    // Every score is below this τ, so the oracle always sends the sample to the teacher.
    selection: { mode: "adaptive", threshold: Number.MAX_VALUE, strategy: "refine" },
  });
  const [job] = await pipeline.resolveJobs(request);
  const outcomes = await pipeline.runStudentStage(Array.from({ length: maxBatch }, (_, index) => ({ ...job!, index })));
  await pipeline.runTeacherStages(Array.from({ length: maxTeacherBatch }, (_, i) => outcomes[i % outcomes.length]!));
  let started = performance.now();
  const [outcome] = await pipeline.runStudentStage([job!]);
  const studentJobMs = performance.now() - started;
  started = performance.now();
  await pipeline.runTeacherStages([outcome!]);
  return { studentJobMs, refineMs: performance.now() - started };
}

await serveTasks<InferenceWorkerData, InferenceWorkerReady, InferenceTasks>(async (data) => {
  const pipeline = await AdaptivePipeline.load(data.bundleDir, {
    ...(data.intraOpThreads !== undefined ? { intraOpThreads: data.intraOpThreads } : {}),
    ...(data.executionProvider !== undefined ? { executionProvider: data.executionProvider } : {}),
  });
  const warmup = await warmUp(pipeline, data.maxBatch, data.maxTeacherBatch);
  return {
    ready: { info: pipeline.info, warmup },
    handlers: {
      resolve: (request) => pipeline.resolveJobs(request),
      student: async (jobs) => (await pipeline.runStudentStage(jobs)).map((outcome) => ({ outcome: routedOutcome(outcome), image: pipeline.keepStudent(outcome, null) })),
      teacher: (outcomes) => pipeline.runTeacherStages(outcomes),
      teacherOnly: (jobs) => pipeline.runTeacherOnlyBatch(jobs),
    },
  };
});
