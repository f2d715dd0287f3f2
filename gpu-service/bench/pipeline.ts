/**
 * `npm run bench:pipeline [-- --bundle DIR --runs N --threads N]`: median milliseconds per stage for
 * student-only, adaptive at k = 50 and 100 and teacher-only generation, the UNet call (each image's mean), and the
 * time per image spent outside `session.run` (our own overhead: tensors, schedulers, PNG; target < 2 ms), as
 * wall time and as this process's CPU time (the honest number when other work shares the machine). Each path
 * runs twice: wall times come from a pass without CPU accounting, whose clock reads around every
 * `session.run` (two per UNet call) would otherwise count as our overhead; CPU times from a second pass.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { InternalGenerateRequest, type InternalGenerateRequestInput } from "@understudy/shared";
import { AdaptivePipeline } from "../src/pipelines/adaptive.js";
import { allModels } from "../src/pipelines/components.js";
import { bundleDir } from "../src/cli/bundle-path.js";
import { readEvalSet } from "../src/eval/prompt-set.js";

const { values } = parseArgs({ options: { bundle: { type: "string" }, runs: { type: "string", default: "20" }, threads: { type: "string", default: "1" } } });
const runs = Number(values.runs);
/** Runs discarded per path while V8 compiles the hot loops and onnxruntime sizes its arenas. */
const WARMUP_RUNS = 5;
const pipeline = await AdaptivePipeline.load(bundleDir(values.bundle), { intraOpThreads: Number(values.threads) });
const models = allModels(pipeline.components);
const trackCpuTime = (on: boolean) => models.forEach((model) => model.trackCpuTime(on));

const median = (xs: readonly number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return sorted.length % 2 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const inferenceMs = () => models.reduce((sum, model) => sum + model.stats.totalMs, 0);
const inferenceCpuMs = () => models.reduce((sum, model) => sum + model.stats.totalCpuMs, 0);
const processCpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

const unets = { student: pipeline.components.student.unet.model, teacher: pipeline.components.teacher.unet.model };
type UnetName = keyof typeof unets;
/** Calls and milliseconds so far per UNet; per image, their differences give its mean call (no per-call hook, whose cost would land outside run()). */
const unetTotals = () => ({ student: { ...unets.student.stats }, teacher: { ...unets.teacher.stats } });

/**
 * Prompts and seeds from the bundle's held-out eval set, each image taking the next: no image finds its
 * prompt already tokenised (the tokenizer remembers recent texts), as in serving where prompts vary. A bundle
 * without an eval set gets one fixed prompt over successive seeds.
 */
const evalSet = join(bundleDir(values.bundle), "eval", "prompts.jsonl");
const prompts = existsSync(evalSet) ? await readEvalSet(evalSet) : [{ prompt: "a large red star at the center on a blue background", seed: 1000 }];
let drawn = 0;

function benchRequest(selection: InternalGenerateRequestInput["selection"]): InternalGenerateRequest {
  const { prompt, seed } = prompts[drawn % prompts.length]!;
  const round = Math.floor(drawn / prompts.length);
  drawn++;
  return InternalGenerateRequest.parse({ version: "v1", request_id: `bench-${drawn}`, prompt, seed: seed + round, selection });
}

interface PathResult {
  stages: Record<string, number[]>;
  outside: number[];
  outsideCpu: number[];
  total: number[];
  routes: Record<string, number>;
  /** Per image that called the UNet: its mean milliseconds per call, and how many calls. */
  unetCall: Record<UnetName, { ms: number[]; calls: number }>;
}

async function measure(name: string, selection: InternalGenerateRequestInput["selection"]): Promise<void> {
  const result: PathResult = { stages: {}, outside: [], outsideCpu: [], total: [], routes: {}, unetCall: { student: { ms: [], calls: 0 }, teacher: { ms: [], calls: 0 } } };
  for (const cpuPass of [false, true]) {
    trackCpuTime(cpuPass);
    for (let run = 0; run < runs; run++) {
      // A new prompt and seed per image, so adaptive routing sees a realistic mix of keep and refine.
      const request = benchRequest(selection);
      const before = inferenceMs();
      const beforeCpu = inferenceCpuMs();
      const cpuStart = processCpuMs();
      const unetBefore = unetTotals();
      const start = performance.now();
      const [image] = (await pipeline.generate(request)).images;
      const total = performance.now() - start;
      const unetAfter = unetTotals();
      if (!image) continue;
      if (cpuPass) {
        // CPU time of this process outside session.run: what our own code costs, even on a busy machine.
        result.outsideCpu.push(processCpuMs() - cpuStart - (inferenceCpuMs() - beforeCpu));
        continue;
      }
      result.total.push(total);
      result.outside.push(total - (inferenceMs() - before));
      result.routes[image.route] = (result.routes[image.route] ?? 0) + 1;
      for (const name of ["student", "teacher"] as const) {
        const calls = unetAfter[name].calls - unetBefore[name].calls;
        if (calls === 0) continue;
        result.unetCall[name].ms.push((unetAfter[name].totalMs - unetBefore[name].totalMs) / calls);
        result.unetCall[name].calls += calls;
      }
      for (const [stage, ms] of Object.entries(image.timings_ms)) (result.stages[stage] ??= []).push(ms);
    }
  }
  const routes = Object.entries(result.routes).map(([route, count]) => `${route} ${count}`).join(", ");
  console.log(`\n${name}  (${runs} images; routes: ${routes})`);
  for (const [stage, samples] of Object.entries(result.stages)) console.log(`  ${stage.padEnd(16)} ${median(samples).toFixed(3).padStart(9)} ms`);
  for (const [name, { ms, calls }] of Object.entries(result.unetCall)) {
    if (calls) console.log(`  ${`${name} UNet call`.padEnd(16)} ${median(ms).toFixed(3).padStart(9)} ms  (${calls} calls; median over images of each image's mean)`);
  }
  console.log(`  ${"total".padEnd(16)} ${median(result.total).toFixed(3).padStart(9)} ms`);
  console.log(`  ${"outside run()".padEnd(16)} ${median(result.outside).toFixed(3).padStart(9)} ms wall, ${median(result.outsideCpu).toFixed(3)} ms CPU per image (target < 2 ms)`);
}

console.log(`bundle ${pipeline.info.id}@${pipeline.info.version}, ${values.threads} intra-op thread(s), median of ${runs} runs`);
const PATHS: [string, InternalGenerateRequestInput["selection"]][] = [
  ["student-only", { mode: "student" }],
  ["adaptive k=50", { mode: "adaptive", k: 50 }],
  // How often k=50 refines depends on the prompt and the seeds; k=100 measures the refining branch every time.
  ["adaptive k=100", { mode: "adaptive", k: 100 }],
  ["teacher-only", { mode: "teacher" }],
];
// Every path warms up before any is measured, so the first one measured does not pay for V8's compilation.
for (const [, selection] of PATHS) for (let run = 0; run < WARMUP_RUNS; run++) await pipeline.generate(benchRequest(selection));
for (const [name, selection] of PATHS) await measure(name, selection);
