import { ApiError, GenerationRequest, apiErrorFromZod, type ImageExplanation, type Quality } from "@understudy/shared";
import { produceImages, type JobContext } from "../images/generate.js";

/**
 * What both bots do once a chat command has been acknowledged: validate like the API, take a token from
 * the tenant's rate limit, then run the very same generation flow (plan, cache, reserve, settle). Every
 * refusal becomes a sentence for the chat, since there is no HTTP status to show there.
 */
export interface ImagineInput {
  prompt: string;
  seed?: number | undefined;
  quality?: Quality | string | undefined;
}

export type Imagined =
  | { ok: true; prompt: string; png: Uint8Array; explanation: ImageExplanation }
  | { ok: false; code: string; message: string };

async function takeToken(ctx: JobContext): Promise<void> {
  const { budget, tier } = ctx.caller;
  const verdict = await budget.takeToken();
  if (verdict.ok) return;
  throw new ApiError("rate_limited", `This workspace's tier allows ${tier.rate_limit.requests_per_minute} images per minute; try again in ${verdict.retryAfterSeconds} s.`, {
    retryAfterSeconds: verdict.retryAfterSeconds,
  });
}

function refusal(error: unknown, requestId: string): Imagined {
  if (error instanceof ApiError) return { ok: false, code: error.code, message: error.message };
  console.error(JSON.stringify({ level: "error", request_id: requestId, message: String(error), stack: error instanceof Error ? error.stack : undefined }));
  return { ok: false, code: "internal_error", message: `Something went wrong on our side; quote request id ${requestId} if it persists.` };
}

export async function imagine(ctx: JobContext, input: ImagineInput): Promise<Imagined> {
  const body = { prompt: input.prompt, seed: input.seed, quality: input.quality, response_format: "b64_json" };
  const parsed = GenerationRequest.safeParse(body);
  if (!parsed.success) return refusal(apiErrorFromZod(parsed.error, body), ctx.requestId);
  try {
    await takeToken(ctx);
    const outcome = await produceImages(ctx, { kind: "generate", request: parsed.data });
    const image = outcome.images[0]!;
    return { ok: true, prompt: parsed.data.prompt, png: image.png.bytes, explanation: image.explanation };
  } catch (error) {
    return refusal(error, ctx.requestId);
  }
}

/** One line on how the image came to be: the route, the oracle's score against τ, what it cost. */
export function summary({ route, oracle_score, threshold, unet_evaluations, seed, degraded, cache }: ImageExplanation): string {
  const score = oracle_score === null ? null : oracle_score.toFixed(3);
  const verdict = score === null ? "teacher only" : threshold === null ? `oracle ${score}` : `oracle ${score} ${oracle_score! < threshold ? "<" : "≥"} τ ${threshold.toFixed(3)}`;
  const spent = cache === "hit" ? "from the cache, free" : `${unet_evaluations.student} student + ${unet_evaluations.teacher} teacher UNet evaluations`;
  return [`route ${route}${degraded ? " (degraded)" : ""}`, verdict, spent, `seed ${seed}`].join(" · ");
}
