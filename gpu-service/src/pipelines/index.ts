export { AdaptivePipeline, type PipelineOptions } from "./adaptive.js";
export { decide, routedOutcome, type Decision, type ImageJob, type RoutedOutcome, type StudentOutcome } from "./jobs.js";
export { calibratedK, isEdit, resolveJobs, thresholdForK, type ImagesRequest } from "./resolve.js";
export { loadComponents, latentDims, allModels, type PipelineComponents, type DiffusionModel } from "./components.js";
