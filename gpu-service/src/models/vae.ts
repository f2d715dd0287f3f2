import type { VaeConfig } from "../bundle/configs.js";
import { FLOAT_TYPES, floatOutput, floatTensor, type FloatTensor, type OnnxModel, type TensorMetadata } from "./onnx-model.js";

/**
 * The VAE's encoder: `sample` [B,3,H,W] in [-1,1] → latents scaled by the config's `scaling_factor`.
 * Exports return either the distribution's parameters (`latent_parameters`, mean ‖ logvar on channels) or
 * an already drawn `latent_sample`; for parameters the mean is taken, which is what SDEdit wants: the
 * image's own latent, with all randomness coming from the seeded noise added afterwards.
 */
export class VaeEncoder {
  private readonly output: string;
  private readonly inputMeta: TensorMetadata;

  constructor(
    readonly model: OnnxModel,
    private readonly config: VaeConfig,
  ) {
    this.inputMeta = model.expectType("sample", FLOAT_TYPES);
    this.output = model.outputName("latent_parameters");
  }

  async encode(images: FloatTensor): Promise<FloatTensor> {
    const result = await this.model.run({ sample: floatTensor(this.inputMeta, images.data, images.dims) });
    const raw = floatOutput(this.model, result, this.output);
    const latents = raw.dims[1] === 2 * this.config.latent_channels ? meanOfParameters(raw) : raw;
    const { scaling_factor } = this.config;
    const scaled = new Float32Array(latents.data.length);
    for (let i = 0; i < scaled.length; i++) scaled[i] = latents.data[i]! * scaling_factor;
    return { data: scaled, dims: latents.dims };
  }
}

/** The first half of the channels of mean ‖ logvar, per batch element. */
function meanOfParameters(parameters: FloatTensor): FloatTensor {
  const [batch = 1, channels = 0, ...spatial] = parameters.dims;
  const plane = spatial.reduce((a, b) => a * b, 1);
  const half = (channels / 2) * plane;
  const mean = new Float32Array(batch * half);
  for (let b = 0; b < batch; b++) mean.set(parameters.data.subarray(b * 2 * half, b * 2 * half + half), b * half);
  return { data: mean, dims: [batch, channels / 2, ...spatial] };
}

/** The VAE's decoder: latents (scaled) → `sample` [B,3,H,W] in about [-1,1]. */
export class VaeDecoder {
  private readonly output: string;
  private readonly inputMeta: TensorMetadata;

  constructor(
    readonly model: OnnxModel,
    private readonly config: VaeConfig,
  ) {
    this.inputMeta = model.expectType("latent_sample", FLOAT_TYPES);
    this.output = model.outputName("sample");
  }

  async decode(latents: FloatTensor): Promise<FloatTensor> {
    const { scaling_factor } = this.config;
    // A loop: TypedArray.map calls back per element at several times the cost, on every image.
    const unscaled = new Float32Array(latents.data.length);
    for (let i = 0; i < unscaled.length; i++) unscaled[i] = latents.data[i]! / scaling_factor;
    const result = await this.model.run({ latent_sample: floatTensor(this.inputMeta, unscaled, latents.dims) });
    return floatOutput(this.model, result, this.output);
  }
}
