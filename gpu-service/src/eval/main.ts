/**
 * `npm run eval [-- --bundle DIR --limit N --out DIR --threads N]`: the paper's comparison on the bundle's
 * held-out prompts through this pipeline, judged by the bundle's judge (never the oracle). Writes
 * eval.json, eval.md (table) and two plots of judge accuracy against mean UNet evaluations (eval.svg: share of
 * attributes right; eval-all-right.svg: every attribute right) into --out (docs/).
 * `--from eval.json` re-renders the table and plots from an earlier run without generating anything.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { readConfig } from "../bundle/bundle.js";
import { bundleDir } from "../cli/bundle-path.js";
import { AdaptivePipeline } from "../pipelines/adaptive.js";
import { configurations, PAPER_PLAN, runExperiment, studentVersusTeacher, type PromptResults } from "./experiment.js";
import { readEvalSet } from "./prompt-set.js";
import { accuracyPlot, markdownTable, type EvalReport } from "./report.js";
import { JudgeConfig } from "./verdicts.js";

const { values } = parseArgs({
  options: {
    bundle: { type: "string" },
    limit: { type: "string" },
    out: { type: "string", default: fileURLToPath(new URL("../../../docs", import.meta.url)) },
    threads: { type: "string" },
    batch: { type: "string", default: String(PAPER_PLAN.batchSize) },
    from: { type: "string" },
  },
});
async function writeReport(report: EvalReport): Promise<void> {
  await mkdir(values.out, { recursive: true });
  await writeFile(join(values.out, "eval.json"), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(values.out, "eval.md"), markdownTable(report));
  await writeFile(join(values.out, "eval.svg"), accuracyPlot(report, "attributeAccuracy"));
  await writeFile(join(values.out, "eval-all-right.svg"), accuracyPlot(report, "accuracy"));
}

/** Generates and judges everything, rewriting the report after every batch over the prompts done so far. */
async function runEval(): Promise<EvalReport> {
  const dir = bundleDir(values.bundle);
  const pipeline = await AdaptivePipeline.load(dir, { withJudge: true, ...(values.threads !== undefined ? { intraOpThreads: Number(values.threads) } : {}) });
  const judge = pipeline.components.judge!;
  const judgeConfig = await readConfig(dir, join(dirname(pipeline.manifest.judge!.model), "config.json"), JudgeConfig);
  const rows = await readEvalSet(join(dir, "eval", "prompts.jsonl"), values.limit !== undefined ? Number(values.limit) : undefined);
  const plan = { ...PAPER_PLAN, batchSize: Number(values.batch) };
  const reportOn = (results: readonly PromptResults[]): EvalReport => ({
    bundle: { id: pipeline.info.id, version: pipeline.info.version },
    prompts: results.length,
    configs: configurations(pipeline, results, plan),
    studentVersusTeacher: studentVersusTeacher(pipeline, results),
  });
  const started = performance.now();
  const results = await runExperiment(pipeline, judge, judgeConfig, rows, plan, async (done, total, sofar) => {
    const seconds = (performance.now() - started) / 1000;
    process.stderr.write(`\reval: ${done}/${total} prompts, ${seconds.toFixed(0)} s, ~${((seconds / done) * (total - done)).toFixed(0)} s left `);
    await writeReport(reportOn(sofar));
  });
  process.stderr.write("\n");
  return reportOn(results);
}

const report: EvalReport = values.from !== undefined ? (JSON.parse(await readFile(values.from, "utf8")) as EvalReport) : await runEval();
await writeReport(report);
process.stdout.write(markdownTable(report));
