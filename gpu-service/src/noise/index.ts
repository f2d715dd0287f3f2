export { TorchGenerator, randn } from "./torch-generator.js";
export { deriveSeed } from "./derive-seed.js";
