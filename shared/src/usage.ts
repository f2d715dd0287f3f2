import { z } from "zod";

/** `GET /v1/usage`: the caller's tier and what this calendar month (UTC) has used so far. */
export const UsageResponse = z.object({
  tenant: z.string(),
  tier: z.string(),
  /** Calendar month in UTC, e.g. "2026-11". */
  period: z.string(),
  /** Credits are UNet evaluations, student and teacher alike. */
  credits: z.object({
    allowance: z.number().int().min(0),
    used: z.number().int().min(0),
    /** Held by requests still in flight. */
    reserved: z.number().int().min(0),
    remaining: z.number().int().min(0),
  }),
  on_low_credits: z.enum(["degrade", "refuse"]),
  rate_limit: z.object({ requests_per_minute: z.number(), burst: z.number().int() }),
  requests: z.number().int().min(0),
  images: z.number().int().min(0),
  /** Images the teacher refined, regenerated or drew. */
  teacher_images: z.number().int().min(0),
  /** teacher_images / images (0 when no images yet). */
  teacher_share: z.number().min(0).max(1),
  degraded_images: z.number().int().min(0),
  /** Requests answered from the cache, free of charge. */
  cache_hits: z.number().int().min(0),
});
export type UsageResponse = z.infer<typeof UsageResponse>;
