import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { DEFAULT_REPLAY_WINDOW_SECONDS, MAX_IMAGES_PER_REQUEST } from "@understudy/shared";

/** The embedded bundle at the repository root, where `npm start` and the containers find it. */
const REPO_BUNDLE_DIR = fileURLToPath(new URL("../../../models/", import.meta.url));

const count = (max: number) => z.coerce.number().int().min(1).max(max);
const flag = z.enum(["1", "true", "0", "false", ""]).transform((value) => value === "1" || value === "true");

/**
 * Every setting, read from the environment (twelve-factor: the same image runs anywhere). Keys are the
 * variable names themselves, so a bad value is reported as e.g. `UNDERSTUDY_MAX_BATCH: must be at most 64`.
 */
const ServiceEnv = z.object({
  UNDERSTUDY_BUNDLE_DIR: z.string().min(1).default(REPO_BUNDLE_DIR),
  /** Shared with the edge; signs every internal request. */
  GPU_SERVICE_SECRET: z.string().min(16, { message: "must be at least 16 characters (use e.g. `openssl rand -hex 32`)" }).optional(),
  /** Local development: unsigned requests are accepted when no secret is set, and the service binds to loopback. */
  UNDERSTUDY_DEV: flag.default(false),
  HOST: z.string().min(1).optional(),
  /** 8787 is the edge's (`wrangler dev`); the gpu-service listens beside it. */
  PORT: z.coerce.number().int().min(0).max(65535).default(8788),
  UNDERSTUDY_WORKERS: count(64).default(1),
  /** Threads per onnxruntime operator in each worker; default: the cores shared out among the workers. */
  UNDERSTUDY_INTRA_OP_THREADS: count(256).optional(),
  UNDERSTUDY_EXECUTION_PROVIDER: z.enum(["cpu", "cuda"]).default("cpu"),
  UNDERSTUDY_MAX_BATCH: count(64).default(8),
  UNDERSTUDY_MAX_BATCH_WAIT_MS: z.coerce.number().min(0).max(1000).default(10),
  UNDERSTUDY_MAX_TEACHER_BATCH: count(64).default(4),
  /** At least one request's worth of images, or a full-size request could never be admitted. */
  UNDERSTUDY_STUDENT_QUEUE: z.coerce.number().int().min(MAX_IMAGES_PER_REQUEST).max(100_000).default(32),
  UNDERSTUDY_TEACHER_QUEUE: count(100_000).default(8),
  /**
   * How long before a request's deadline its images should be ready: the rest is for encoding and sending the
   * answer (bench:service measures this service overhead at about 3 ms at p50 on the development machine).
   */
  UNDERSTUDY_ANSWER_MARGIN_MS: z.coerce.number().min(0).max(10_000).default(5),
  UNDERSTUDY_REPLAY_WINDOW_S: count(3600).default(DEFAULT_REPLAY_WINDOW_SECONDS),
  /** Edits carry a base64 image of up to 4 MiB (≈5.6 MB encoded). */
  UNDERSTUDY_MAX_BODY_BYTES: count(64 * 1024 * 1024).default(8 * 1024 * 1024),
  UNDERSTUDY_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(30_000),
});

/** The environment variables the service reads (the deployment manifests may set no others). */
export const SERVICE_ENV_VARS = Object.keys(ServiceEnv.shape);

export type ServiceConfig = ReturnType<typeof toConfig>;

function toConfig(env: z.infer<typeof ServiceEnv>, dev: boolean) {
  const workers = env.UNDERSTUDY_WORKERS;
  return {
    bundleDir: env.UNDERSTUDY_BUNDLE_DIR,
    secret: env.GPU_SERVICE_SECRET ?? null,
    dev,
    host: env.HOST ?? (dev ? "127.0.0.1" : "0.0.0.0"),
    port: env.PORT,
    workers,
    intraOpThreads: env.UNDERSTUDY_INTRA_OP_THREADS ?? Math.max(1, Math.floor(availableParallelism() / workers)),
    executionProvider: env.UNDERSTUDY_EXECUTION_PROVIDER,
    maxBatch: env.UNDERSTUDY_MAX_BATCH,
    maxWaitMs: env.UNDERSTUDY_MAX_BATCH_WAIT_MS,
    maxTeacherBatch: env.UNDERSTUDY_MAX_TEACHER_BATCH,
    studentQueue: env.UNDERSTUDY_STUDENT_QUEUE,
    teacherQueue: env.UNDERSTUDY_TEACHER_QUEUE,
    answerMarginMs: env.UNDERSTUDY_ANSWER_MARGIN_MS,
    replayWindowSeconds: env.UNDERSTUDY_REPLAY_WINDOW_S,
    maxBodyBytes: env.UNDERSTUDY_MAX_BODY_BYTES,
    shutdownGraceMs: env.UNDERSTUDY_SHUTDOWN_GRACE_MS,
  };
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Reads the configuration; `--dev` on the command line is the same as UNDERSTUDY_DEV=1. */
export function loadConfig(env: Record<string, string | undefined>, argv: readonly string[] = []): ServiceConfig {
  const parsed = ServiceEnv.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`${issue.path.join(".")}: ${issue.message}`);
  }
  const dev = parsed.data.UNDERSTUDY_DEV || argv.includes("--dev");
  if (!parsed.data.GPU_SERVICE_SECRET && !dev) {
    throw new ConfigError(
      "GPU_SERVICE_SECRET is not set: the gpu-service only answers requests the edge signed with it. Set the same secret for both, or pass --dev (UNDERSTUDY_DEV=1) to run unsigned on loopback.",
    );
  }
  return toConfig(parsed.data, dev);
}
