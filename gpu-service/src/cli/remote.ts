import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ApiError, ErrorBody, GenerationRequest, ImageStreamEvent, ImagesResponse, type ImageData } from "@understudy/shared";

/**
 * The CLI against a deployment: `generate --endpoint URL` asks the edge (public API, the caller's API key,
 * tier and credits) instead of running the bundle here, streaming its stage events as progress; `keys`
 * hands administrators the same key management as `npm run keys`.
 */

export const REMOTE_USAGE = `understudy generate "<prompt>" --endpoint URL [options]    (API key from UNDERSTUDY_API_KEY)
  -o, --output FILE     PNG to write (image i of n>1 gets FILE-i.png)        [out.png]
  --seed N              seed of the first image (repeats are free from the cache)  [drawn by the edge]
  --quality Q           fast | balanced | best, as your tier maps them         [balanced]
  --mode M, --strategy S, --strength X, --steps N, --student-steps N, --guidance G, --negative "<prompt>", -n N

understudy keys create --tenant NAME --tier free|standard|pro [--credits N] --endpoint URL   (UNDERSTUDY_ADMIN_TOKEN)
understudy keys list [--tenant NAME] --endpoint URL
understudy keys revoke --tenant NAME --key PREFIX --endpoint URL
  (without --endpoint: the local stack, as \`npm run keys\`)`;

const options = {
  endpoint: { type: "string" },
  output: { type: "string", short: "o", default: "out.png" },
  seed: { type: "string" },
  quality: { type: "string" },
  mode: { type: "string" },
  strategy: { type: "string" },
  strength: { type: "string" },
  steps: { type: "string" },
  "student-steps": { type: "string" },
  guidance: { type: "string" },
  negative: { type: "string" },
  n: { type: "string", short: "n" },
} as const;

/** Flags that only mean something to the local pipeline: the edge decides them from the tier and the bundle. */
const LOCAL_ONLY = ["--k", "--threshold", "--sampler", "--image", "--bundle", "--threads"];

/** Whether a `generate` command line is meant for a deployment. */
export function wantsEndpoint(args: string[]): boolean {
  return args.some((arg) => arg === "--endpoint" || arg.startsWith("--endpoint="));
}

type Values = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>["values"];
const number = (value: string | undefined) => (value === undefined ? undefined : Number(value));

/** The public request the flags describe, checked by the API's own schema before anything is sent. */
function requestFrom(prompt: string, values: Values): GenerationRequest {
  const fields = {
    prompt, seed: number(values.seed), n: number(values.n), quality: values.quality, mode: values.mode, strategy: values.strategy,
    strength: number(values.strength), steps: number(values.steps), student_steps: number(values["student-steps"]),
    guidance: number(values.guidance), negative_prompt: values.negative, response_format: "b64_json", stream: true,
  };
  const parsed = GenerationRequest.safeParse(Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)));
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const param = String(issue.path[0] ?? "request");
  throw new ApiError("invalid_value", `--${param.replace(/_/g, "-")}: ${issue.message}`, { param });
}

function apiKey(): string {
  const key = process.env.UNDERSTUDY_API_KEY;
  if (key) return key;
  throw new Error("set UNDERSTUDY_API_KEY to your API key (an administrator makes one with `understudy keys create --tenant NAME --tier TIER --endpoint URL`).");
}

/** The edge's OpenAI-shaped refusal as an ApiError (the CLI prints its code, param and message). */
async function refusal(response: Response): Promise<Error> {
  const parsed = ErrorBody.safeParse(await response.json().catch(() => null));
  if (!parsed.success) return new Error(`the endpoint answered HTTP ${response.status} without an API error; is --endpoint an understudy edge?`);
  const { code, message, param } = parsed.data.error;
  const retry = response.headers.get("Retry-After");
  return new ApiError(code, retry ? `${message} (retry after ${retry} s)` : message, { param });
}

async function post(endpoint: string, request: GenerationRequest): Promise<Response> {
  const url = new URL("/v1/images/generations", endpoint);
  const headers = { Authorization: `Bearer ${apiKey()}`, "Content-Type": "application/json", Accept: "text/event-stream, application/json" };
  try {
    return await fetch(url, { method: "POST", headers, body: JSON.stringify(request) });
  } catch (error) {
    throw new Error(`cannot reach ${url.origin} (${(error as Error).cause ?? (error as Error).message}); check --endpoint.`);
  }
}

/** The edge's server-sent events, one validated public event at a time, as they arrive. */
async function* streamedEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ImageStreamEvent> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true }).replace(/\r\n?/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const data = buffer.slice(0, end).split("\n").filter((line) => line.startsWith("data:")).map((line) => line.slice(5).trim()).join("\n");
      buffer = buffer.slice(end + 2);
      if (data) yield ImageStreamEvent.parse(JSON.parse(data));
    }
  }
}

/** One progress line per stage, with the time since the request left, so the preview's head start shows. */
function progress(event: ImageStreamEvent, ms: number): string | null {
  const at = `${ms.toFixed(0).padStart(6)} ms`;
  switch (event.event) {
    case "preview":
      return `${at}  image ${event.index}: student preview arrived (seed ${event.seed})`;
    case "verdict": {
      const tau = event.threshold === null ? "" : ` vs τ ${event.threshold.toFixed(4)}`;
      return `${at}  image ${event.index}: oracle ${event.oracle_score.toFixed(4)}${tau} → ${event.decision}${event.decision === "keep" ? "" : " (teacher running…)"}`;
    }
    case "final":
      return `${at}  image ${event.index}: final image arrived (route ${event.image.understudy.route})`;
    default:
      return null;
  }
}

/** Reads the stream to `done`, printing progress; an `error` event fails the command with its code. */
async function followStream(response: Response, started: number): Promise<ImagesResponse> {
  for await (const event of streamedEvents(response.body!)) {
    const line = progress(event, performance.now() - started);
    if (line) process.stderr.write(`${line}\n`);
    if (event.event === "error") throw new ApiError(event.code, event.message);
    if (event.event === "done") return event.response;
  }
  throw new ApiError("upstream_unavailable", "the stream ended before the final image; retry (with --seed, a finished image is free from the cache).");
}

function explain(image: ImageData, file: string): string {
  const e = image.understudy;
  const timings = Object.entries(e.timings_ms).map(([stage, ms]) => `${stage} ${ms.toFixed(1)}`).join(", ");
  return [
    `${file}: route ${e.route}${e.degraded ? ` (degraded: ${e.degraded_reason})` : ""}, seed ${e.seed}, cache ${e.cache}`,
    `  oracle score ${e.oracle_score?.toFixed(4) ?? "–"}, τ ${e.threshold?.toFixed(4) ?? "–"}, k ${e.k ?? "–"}`,
    `  UNet evaluations: student ${e.unet_evaluations.student}, teacher ${e.unet_evaluations.teacher}`,
    `  ms: ${timings || "– (from the cache)"}`,
  ].join("\n");
}

async function writeImages(answer: ImagesResponse, output: string): Promise<void> {
  for (const [i, image] of answer.data.entries()) {
    const file = answer.data.length === 1 ? output : output.replace(/(\.png)?$/i, `-${i}.png`);
    await writeFile(file, Buffer.from(image.b64_json ?? "", "base64"));
    console.log(explain(image, file));
  }
  const { request_id, bundle, credits_charged } = answer.understudy;
  console.log(`credits charged ${credits_charged} · bundle ${bundle.id} ${bundle.version} · request ${request_id}`);
}

export async function remoteGenerateCommand(args: string[]): Promise<void> {
  const localOnly = args.find((arg) => LOCAL_ONLY.includes(arg.split("=")[0]!));
  if (localOnly) throw new Error(`${localOnly} is for local generation only; against --endpoint the tier decides it (use --quality, --mode, --strategy).`);
  const { values, positionals } = parseArgs({ args, options, allowPositionals: true });
  const prompt = positionals.join(" ");
  if (!prompt) throw new Error(`a prompt is required\n${REMOTE_USAGE}`);
  const request = requestFrom(prompt, values);
  const started = performance.now();
  const response = await post(values.endpoint!, request);
  if (!response.ok) throw await refusal(response);
  // An edge that does not stream answers the plain body; the result is the same, only without progress.
  const streamed = response.headers.get("Content-Type")?.startsWith("text/event-stream");
  const answer = streamed ? await followStream(response, started) : ImagesResponse.parse(await response.json());
  await writeImages(answer, values.output);
}

const KEYS_SCRIPT = fileURLToPath(new URL("../../../scripts/keys.mjs", import.meta.url));

/**
 * `understudy keys …` runs scripts/keys.mjs, the one implementation of key management (local stack or, with
 * --endpoint, a deployment's /admin API with UNDERSTUDY_ADMIN_TOKEN), with this command line and environment.
 */
export async function keysCommand(args: string[]): Promise<void> {
  if (!existsSync(KEYS_SCRIPT)) throw new Error(`${KEYS_SCRIPT} is missing: \`understudy keys\` runs from a checkout of the repository.`);
  const code = await new Promise<number | null>((resolve, reject) => {
    spawn(process.execPath, [KEYS_SCRIPT, ...args], { stdio: "inherit" }).once("error", reject).once("exit", resolve);
  });
  // keys.mjs has printed why; the exit status carries it on.
  if (code !== 0) throw new Error(`key management failed (exit ${code}); see the message above.`);
}
