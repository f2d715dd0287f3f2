import { z } from "zod";
import tiersData from "../tiers.json" with { type: "json" };
import { ApiError } from "./errors.js";
import { Mode, Quality, Strategy } from "./images.js";

/**
 * Budget tiers are data (`shared/tiers.json`), validated here. A tier decides which teacher share k each
 * quality word buys, which modes and strategies a tenant may ask for, how many images per request, its
 * rate limit, its monthly allowance of credits (UNet evaluations), and what happens when credits run low.
 */
export const QualityPolicy = z.object({ mode: Mode, k: z.number().min(0).max(100) });

export const Tier = z
  .object({
    description: z.string(),
    quality: z.object({ fast: QualityPolicy, balanced: QualityPolicy, best: QualityPolicy }),
    allowed_modes: z.array(Mode).min(1),
    allowed_strategies: z.array(Strategy).min(1),
    max_k: z.number().min(0).max(100),
    max_n: z.number().int().min(1).max(4),
    max_steps: z.number().int().min(1).max(100),
    rate_limit: z.object({ requests_per_minute: z.number().positive(), burst: z.number().int().positive() }),
    /** UNet evaluations per calendar month (UTC), student and teacher alike. */
    monthly_credits: z.number().int().min(0),
    /** `degrade`: serve student-only, marked degraded, when the teacher would overspend; `refuse`: answer 402. */
    on_low_credits: z.enum(["degrade", "refuse"]),
  })
  .superRefine((tier, ctx) => {
    for (const quality of Quality.options) {
      const policy = tier.quality[quality];
      if (!tier.allowed_modes.includes(policy.mode)) {
        ctx.addIssue({ code: "custom", path: ["quality", quality, "mode"], message: "quality maps to a mode the tier does not allow" });
      }
      if (policy.k > tier.max_k) ctx.addIssue({ code: "custom", path: ["quality", quality, "k"], message: "k exceeds max_k" });
    }
  });
export type Tier = z.infer<typeof Tier>;

export const TierName = z.enum(["free", "standard", "pro"]);
export type TierName = z.infer<typeof TierName>;

export const TierTable = z.record(TierName, Tier);
export type TierTable = z.infer<typeof TierTable>;

/** The tiers every deployment starts with; parsed once so a bad edit to tiers.json fails loudly at load. */
export const TIERS: TierTable = TierTable.parse(tiersData);

export interface ImagePlanRequest {
  quality: Quality;
  mode?: Mode | undefined;
  strategy?: Strategy | undefined;
  n: number;
  steps?: number | undefined;
}

/** What the tier resolves a request to: the mode and k the gpu-service is asked for. */
export interface TierPlan {
  mode: Mode;
  k: number;
  strategy: Strategy;
}

/**
 * Applies a tier to a request. An explicit `mode` or `strategy` the tier does not allow is refused with
 * 403 naming the field, never silently downgraded: the caller asked for something specific.
 */
export function planForTier(tier: Tier, request: ImagePlanRequest): TierPlan {
  const policy = tier.quality[request.quality];
  const mode = request.mode ?? policy.mode;
  if (!tier.allowed_modes.includes(mode)) {
    throw new ApiError("forbidden_by_tier", `mode: "${mode}" is not included in your tier; allowed: ${tier.allowed_modes.join(", ")}.`, { param: "mode" });
  }
  const strategy = request.strategy ?? "refine";
  if (!tier.allowed_strategies.includes(strategy)) {
    throw new ApiError("forbidden_by_tier", `strategy: "${strategy}" is not included in your tier; allowed: ${tier.allowed_strategies.join(", ")}.`, { param: "strategy" });
  }
  if (request.n > tier.max_n) {
    throw new ApiError("forbidden_by_tier", `n: your tier allows at most ${tier.max_n} image(s) per request.`, { param: "n" });
  }
  if (request.steps !== undefined && request.steps > tier.max_steps) {
    throw new ApiError("forbidden_by_tier", `steps: your tier allows at most ${tier.max_steps} teacher steps.`, { param: "steps" });
  }
  // An explicit adaptive request on a quality word that maps to the student still gets a teacher share of 0.
  return { mode, k: mode === "adaptive" ? policy.k : 0, strategy };
}
