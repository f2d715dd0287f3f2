import { readFile, writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { InternalEditRequest, InternalGenerateRequest, Mode, Quality, Strategy, TIERS, type InternalImage, type StageEvent } from "@understudy/shared";
import { AdaptivePipeline } from "../pipelines/adaptive.js";
import { SAMPLER_NAMES, type SamplerName } from "../schedulers/index.js";
import { bundleDir } from "./bundle-path.js";

export const GENERATE_USAGE = `understudy generate "<prompt>" [options]
  -o, --output FILE     PNG to write (image i of n>1 gets FILE-i.png)        [out.png]
  --seed N              seed of the first image                               [0]
  --quality Q           fast | balanced | best, mapped to mode and k as the pro tier maps them [balanced]
  --k K | --threshold T teacher share in percent, or a fixed τ
  --mode M              adaptive | student | teacher
  --strategy S          refine | regenerate
  --strength X          σ for refinement (or SDEdit strength with --image)
  --steps N, --student-steps N, --guidance G, --negative "<prompt>", -n N
  --sampler S           teacher sampler: ddim | dpmsolver++ | euler   [the bundle's]
  --image FILE          edit this PNG/JPEG (SDEdit) instead of generating
  --bundle DIR, --threads N`;

const options = {
  output: { type: "string", short: "o", default: "out.png" },
  seed: { type: "string", default: "0" },
  quality: { type: "string", default: "balanced" },
  k: { type: "string" },
  threshold: { type: "string" },
  mode: { type: "string" },
  strategy: { type: "string" },
  strength: { type: "string" },
  steps: { type: "string" },
  "student-steps": { type: "string" },
  guidance: { type: "string" },
  negative: { type: "string" },
  n: { type: "string", short: "n", default: "1" },
  image: { type: "string" },
  sampler: { type: "string" },
  bundle: { type: "string" },
  threads: { type: "string" },
} as const;

function samplerName(value: string): SamplerName {
  if (!(SAMPLER_NAMES as readonly string[]).includes(value)) throw new Error(`--sampler must be one of ${SAMPLER_NAMES.join(", ")}`);
  return value as SamplerName;
}

const number = (value: string | undefined) => (value === undefined ? undefined : Number(value));

/** The internal request the CLI's flags describe; the contract's own schemas validate it. */
async function requestFrom(prompt: string, values: ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>["values"]) {
  const policy = TIERS.pro.quality[Quality.parse(values.quality)];
  const mode = values.mode !== undefined ? Mode.parse(values.mode) : policy.mode;
  const selection = {
    mode,
    ...(values.threshold !== undefined ? { threshold: Number(values.threshold) } : { k: number(values.k) ?? policy.k }),
    ...(values.strategy !== undefined ? { strategy: Strategy.parse(values.strategy) } : {}),
  };
  const fields = {
    version: "v1", request_id: `cli-${Date.now()}`, prompt, seed: Number(values.seed), n: Number(values.n), selection,
    negative_prompt: values.negative, strength: number(values.strength), steps: number(values.steps),
    student_steps: number(values["student-steps"]), guidance: number(values.guidance),
  };
  if (values.image === undefined) return InternalGenerateRequest.parse(fields);
  return InternalEditRequest.parse({ ...fields, image_b64: (await readFile(values.image)).toString("base64") });
}

/** Progress as the stages happen: the student's verdict first, then the final route. */
function describeEvent(event: StageEvent): string | null {
  if (event.event === "verdict") {
    const tau = event.threshold === null ? "" : ` vs τ ${event.threshold.toFixed(4)}`;
    return `image ${event.index}: oracle ${event.oracle_score.toFixed(4)}${tau} → ${event.decision}${event.decision === "keep" ? "" : " (teacher running…)"}`;
  }
  return null;
}

function explain(image: InternalImage, file: string): string {
  const timings = Object.entries(image.timings_ms).map(([stage, ms]) => `${stage} ${ms.toFixed(1)}`).join(", ");
  return [
    `${file}: route ${image.route}${image.degraded ? ` (degraded: ${image.degraded_reason})` : ""}, seed ${image.seed}`,
    `  oracle score ${image.oracle_score?.toFixed(4) ?? "–"}, τ ${image.threshold?.toFixed(4) ?? "–"}, k ${image.k ?? "–"}`,
    `  UNet evaluations: student ${image.unet_evaluations.student}, teacher ${image.unet_evaluations.teacher}`,
    `  ms: ${timings}`,
  ].join("\n");
}

export async function generateCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, options, allowPositionals: true });
  const prompt = positionals.join(" ");
  if (!prompt) throw new Error(`a prompt is required\n${GENERATE_USAGE}`);
  const request = await requestFrom(prompt, values);
  const threads = number(values.threads);
  const pipeline = await AdaptivePipeline.load(bundleDir(values.bundle), {
    ...(threads !== undefined ? { intraOpThreads: threads } : {}),
    ...(values.sampler !== undefined ? { teacherSampler: samplerName(values.sampler) } : {}),
  });
  const response = await pipeline.generate(request, (event) => {
    const line = describeEvent(event);
    if (line) process.stderr.write(`${line}\n`);
  });
  for (const [i, image] of response.images.entries()) {
    const file = response.images.length === 1 ? values.output : values.output.replace(/(\.png)?$/i, `-${i}.png`);
    await writeFile(file, Buffer.from(image.png_b64, "base64"));
    console.log(explain(image, file));
  }
}
