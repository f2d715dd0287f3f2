import { z } from "zod";

/**
 * Errors in OpenAI's shape: `{"error": {"message", "type", "param", "code"}}`.
 * `code` is one of ours (stable, machine-readable); `param` names the offending field when there is one.
 */
export const ErrorCode = z.enum([
  "invalid_json",
  "invalid_value",
  "missing_field",
  "unknown_field",
  "unsupported_media_type",
  "payload_too_large",
  "unauthorized",
  "forbidden_by_tier",
  "rate_limited",
  "insufficient_credits",
  "not_found",
  "idempotency_conflict",
  "overloaded",
  "upstream_unavailable",
  "upstream_timeout",
  "unknown_bundle",
  "internal_error",
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorType = z.enum([
  "invalid_request_error",
  "authentication_error",
  "permission_error",
  "rate_limit_error",
  "insufficient_quota",
  "not_found_error",
  "conflict_error",
  "server_error",
]);
export type ErrorType = z.infer<typeof ErrorType>;

export const ErrorBody = z.object({
  error: z.object({
    message: z.string(),
    type: ErrorType,
    param: z.string().nullable(),
    code: ErrorCode,
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** The HTTP status and OpenAI error type that each code always carries, so no boundary picks them ad hoc. */
export const ERROR_CODE_STATUS: Record<ErrorCode, { status: number; type: ErrorType }> = {
  invalid_json: { status: 400, type: "invalid_request_error" },
  invalid_value: { status: 400, type: "invalid_request_error" },
  missing_field: { status: 400, type: "invalid_request_error" },
  unknown_field: { status: 400, type: "invalid_request_error" },
  unsupported_media_type: { status: 415, type: "invalid_request_error" },
  payload_too_large: { status: 413, type: "invalid_request_error" },
  unauthorized: { status: 401, type: "authentication_error" },
  forbidden_by_tier: { status: 403, type: "permission_error" },
  rate_limited: { status: 429, type: "rate_limit_error" },
  insufficient_credits: { status: 402, type: "insufficient_quota" },
  not_found: { status: 404, type: "not_found_error" },
  idempotency_conflict: { status: 409, type: "conflict_error" },
  overloaded: { status: 503, type: "server_error" },
  upstream_unavailable: { status: 503, type: "server_error" },
  upstream_timeout: { status: 504, type: "server_error" },
  unknown_bundle: { status: 404, type: "not_found_error" },
  internal_error: { status: 500, type: "server_error" },
};

/** An error that knows how to present itself at any HTTP boundary. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly param: string | null;
  readonly status: number;
  readonly type: ErrorType;
  /** Seconds a client should wait before retrying (sent as `Retry-After`). */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, options: { param?: string | null; retryAfterSeconds?: number } = {}) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.param = options.param ?? null;
    this.status = ERROR_CODE_STATUS[code].status;
    this.type = ERROR_CODE_STATUS[code].type;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  toBody(): ErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** Dotted field path as clients spell it: `data.0.seed`, or `body` for the root. */
export function fieldPath(path: readonly PropertyKey[]): string | null {
  return path.length === 0 ? null : path.map(String).join(".");
}

/** Whether the value at `path` is absent from `input` (zod 4 does not keep inputs in its issues by default). */
function isAbsent(input: unknown, path: readonly PropertyKey[]): boolean {
  let value: unknown = input;
  for (const key of path) {
    if (value === null || typeof value !== "object") return true;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value === undefined;
}

/**
 * Turns the first problem zod found into an ApiError whose message starts with the field it concerns,
 * so `{"error": {"param": "n", "message": "n: must be at most 4"}}` tells the user exactly what to fix.
 * Pass the parsed `input` so a missing field is told apart from a wrong one.
 */
export function apiErrorFromZod(error: z.ZodError, input?: unknown): ApiError {
  const issue = error.issues[0];
  if (!issue) return new ApiError("invalid_value", "The request is invalid.");
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0] ?? "";
    const param = fieldPath([...issue.path, key]);
    return new ApiError("unknown_field", `${param}: unknown field; remove it or check its spelling.`, { param });
  }
  const param = fieldPath(issue.path);
  const missing = issue.code === "invalid_type" && isAbsent(input, issue.path);
  const label = param ?? "body";
  if (missing) return new ApiError("missing_field", `${label}: this field is required.`, { param });
  return new ApiError("invalid_value", `${label}: ${issue.message}`, { param });
}
