import { ApiError } from "@understudy/shared";

/**
 * A bundle that cannot be served is the operator's problem, never the client's: it is reported as a 500
 * whose `param` names the file (and field) to fix, e.g. `unet/model.onnx:timestep`.
 */
export function bundleError(where: string, problem: string): ApiError {
  return new ApiError("internal_error", `${where}: ${problem}`, { param: where });
}
