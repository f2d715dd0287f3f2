import { z } from "zod";

/**
 * The parts of diffusers' and transformers' own config files the pipelines read. Only the fields used are
 * declared; everything else in those files passes through untouched.
 */

/** `model_index.json`: which component classes the bundle holds. */
export const ModelIndex = z.looseObject({ _class_name: z.string() });
export type ModelIndex = z.infer<typeof ModelIndex>;

/** `vae_decoder/config.json` and `vae_encoder/config.json` (diffusers' AutoencoderKL). */
export const VaeConfig = z
  .looseObject({
    latent_channels: z.number().int().positive(),
    /** One entry per resolution level; the VAE downsamples by 2 between levels (diffusers' layout). */
    block_out_channels: z.array(z.number().int().positive()).min(1).optional(),
    /** The same fact stated directly, for VAEs that are not built from diffusers' blocks. */
    downsample_factor: z.number().int().positive().optional(),
    /** diffusers' default, the SD1.x value, applies when the config predates the field. */
    scaling_factor: z.number().positive().default(0.18215),
  })
  .refine((c) => c.block_out_channels !== undefined || c.downsample_factor !== undefined, {
    message: "needs block_out_channels or downsample_factor to know the latent resolution",
    path: ["block_out_channels"],
  });
export type VaeConfig = z.infer<typeof VaeConfig>;

/** How many pixels one latent cell spans per side (diffusers' `vae_scale_factor`). */
export function vaeScaleFactor(config: VaeConfig): number {
  return config.downsample_factor ?? 2 ** (config.block_out_channels!.length - 1);
}

/** `unet/config.json` (diffusers' UNet2DConditionModel). */
export const UnetConfig = z.looseObject({
  in_channels: z.number().int().positive(),
  /** Width of the guidance embedding an LCM UNet takes as `timestep_cond`; null/absent otherwise. */
  time_cond_proj_dim: z.number().int().positive().nullable().optional(),
});
export type UnetConfig = z.infer<typeof UnetConfig>;

const TokenSpec = z.union([z.string(), z.object({ content: z.string() })]);

/** `tokenizer/tokenizer_config.json` (transformers). */
export const TokenizerConfig = z.looseObject({
  /** Every prompt is padded (and truncated) to exactly this many tokens, as CLIP pipelines do. */
  model_max_length: z.number().int().positive(),
  pad_token: TokenSpec.nullable().optional(),
  eos_token: TokenSpec.nullable().optional(),
  padding_side: z.enum(["right", "left"]).default("right"),
});
export type TokenizerConfig = z.infer<typeof TokenizerConfig>;

export function tokenContent(token: z.infer<typeof TokenSpec> | null | undefined): string | null {
  if (token === null || token === undefined) return null;
  return typeof token === "string" ? token : token.content;
}
