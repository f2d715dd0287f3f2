export { OnnxModel, idsTensor, floatOutput, type FloatTensor, type RunStats, type TensorMetadata } from "./onnx-model.js";
export { TextEncoder } from "./text-encoder.js";
export { Unet, timestepTensor, type UnetInputs } from "./unet.js";
export { VaeEncoder, VaeDecoder } from "./vae.js";
export { Oracle, Judge } from "./scorer.js";
