import { cp, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { InternalEditRequest, InternalGenerateRequest, type InternalEditRequestInput, type InternalGenerateRequestInput } from "@understudy/shared";

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "fixtures");
export const TINY_BUNDLE = join(FIXTURES, "tiny-bundle");
export const VARIANTS = join(FIXTURES, "variants");

/** A writable copy of the tiny bundle, optionally with files replaced (bundle path → source path) and a manifest edit. */
export async function tinyBundleCopy(options: { replace?: Record<string, string>; manifest?: (m: Record<string, unknown>) => void } = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "understudy-bundle-"));
  await cp(TINY_BUNDLE, dir, { recursive: true });
  for (const [target, source] of Object.entries(options.replace ?? {})) await cp(source, join(dir, target));
  if (options.manifest) {
    const manifest = JSON.parse(await readFile(join(dir, "understudy.json"), "utf8")) as Record<string, unknown>;
    options.manifest(manifest);
    await writeFile(join(dir, "understudy.json"), JSON.stringify(manifest, null, 2));
  }
  return dir;
}

export const STAR_PROMPT = "a large red star at the center on a blue background";

/** A parsed internal generate request (defaults applied by the contract's own schema). */
export function generateRequest(overrides: Partial<InternalGenerateRequestInput> = {}): InternalGenerateRequest {
  return InternalGenerateRequest.parse({ version: "v1", request_id: "req-1", prompt: STAR_PROMPT, seed: 7, selection: { mode: "adaptive", k: 50 }, ...overrides });
}

export function editRequest(imageB64: string, overrides: Partial<InternalEditRequestInput> = {}): InternalEditRequest {
  return InternalEditRequest.parse({ version: "v1", request_id: "edit-1", prompt: STAR_PROMPT, seed: 7, selection: { mode: "adaptive", k: 50 }, image_b64: imageB64, ...overrides });
}
