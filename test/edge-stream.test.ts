// Progressive delivery on the real stack: the edge relays the gpu-service's stage events, the student's preview
// comes before the final image, and the streamed image is the very PNG a plain request gets for the same seed.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImageStreamEvent, InternalImagesResponse, InternalPaths, signatureHeaders, type ImagesResponse, type UsageResponse } from "@understudy/shared";
import { ROOT } from "../scripts/lib/stack.mjs";
import { BUNDLE_PRESENT, SKIP_REASON, Stack } from "./e2e-stack.js";

if (!BUNDLE_PRESENT) console.warn(SKIP_REASON);

/** The `understudy` CLI as a user runs it, with only the given variables added to the environment. */
const understudy = (args: string[], env: Record<string, string>) =>
  promisify(execFile)(process.execPath, [join(ROOT, "gpu-service", "bin", "understudy.mjs"), ...args], { env: { ...process.env, ...env } });

/** Every event of an SSE body with the moment it arrived, each validated against the public schema. */
async function receive(response: Response): Promise<{ event: ImageStreamEvent; at: number }[]> {
  const received: { event: ImageStreamEvent; at: number }[] = [];
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    buffer += next.value;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const data = /^data: (.*)$/m.exec(buffer.slice(0, end))![1]!;
      buffer = buffer.slice(end + 2);
      received.push({ event: ImageStreamEvent.parse(JSON.parse(data)), at: performance.now() });
    }
  }
  return received;
}

describe.skipIf(!BUNDLE_PRESENT)("stream: true end to end (real gpu-service, wrangler dev)", () => {
  const stack = new Stack(18897, 18898);
  let key = "";

  beforeAll(async () => {
    await stack.start();
    key = await stack.newKey("e2e-stream", "pro");
  });
  afterAll(() => stack.stop());

  const post = (body: unknown) =>
    fetch(`${stack.edgeUrl}/v1/images/generations`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });

  /** The same image asked of the gpu-service directly, without streaming: computed afresh, past the edge's cache. */
  async function plainFromService(prompt: string, seed: number): Promise<Buffer> {
    const body = JSON.stringify({ version: "v1", request_id: `e2e-stream-${seed}`, prompt, negative_prompt: "", seed, selection: { mode: "adaptive", k: 70, strategy: "refine" } });
    const headers = { ...(await signatureHeaders(stack.credentials.gpu_secret, { method: "POST", path: InternalPaths.generate, body })), "Content-Type": "application/json" };
    const response = await fetch(stack.gpuUrl + InternalPaths.generate, { method: "POST", headers, body });
    return Buffer.from(InternalImagesResponse.parse(await response.json()).images[0]!.png_b64, "base64");
  }

  it("sends the preview before the final image, and the final image is the plain request's PNG", async () => {
    // quality best: pro buys k = 70, so the teacher refines most images and the preview really comes first.
    const request = { prompt: "a large red star at the center on a blue background", seed: 7, quality: "best", response_format: "b64_json" };
    const response = await post({ ...request, stream: true });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const received = await receive(response);
    const events = received.map(({ event }) => event);
    expect(events.map((e) => e.event)).toEqual(["preview", "verdict", "final", "done"]);
    const [preview, verdict, final, done] = events as [
      Extract<ImageStreamEvent, { event: "preview" }>,
      Extract<ImageStreamEvent, { event: "verdict" }>,
      Extract<ImageStreamEvent, { event: "final" }>,
      Extract<ImageStreamEvent, { event: "done" }>,
    ];
    expect(received[0]!.at).toBeLessThan(received[2]!.at);
    expect(preview.seed).toBe(7);
    expect(verdict.threshold).not.toBeNull();
    expect(final.image.understudy).toMatchObject({ seed: 7, cache: "miss", oracle_score: verdict.oracle_score, threshold: verdict.threshold });
    expect(done.response.data).toEqual([final.image]);
    const streamed = Buffer.from(final.image.b64_json!, "base64");
    // A kept image is the preview itself; a refined one differs from it.
    const kept = final.image.understudy.route === "student";
    expect(streamed.equals(Buffer.from(preview.b64_json, "base64"))).toBe(kept);

    // Charged like a plain request: what was spent, settled in the tenant's budget.
    const spent = final.image.understudy.unet_evaluations.student + final.image.understudy.unet_evaluations.teacher;
    expect(done.response.understudy.credits_charged).toBe(spent);
    await expect.poll(async () => ((await (await fetch(`${stack.edgeUrl}/v1/usage`, { headers: { Authorization: `Bearer ${key}` } })).json()) as UsageResponse).credits.used).toBe(spent);

    // The plain request for the same seed: served from what the stream cached, and equal to a fresh computation.
    const plain = (await (await post(request)).json()) as ImagesResponse;
    expect(plain.data[0]!.understudy.cache).toBe("hit");
    expect(Buffer.from(plain.data[0]!.b64_json!, "base64").equals(streamed)).toBe(true);
    expect((await plainFromService(request.prompt, 7)).equals(streamed)).toBe(true);
  });

  it("a streamed cache hit is a short stream: final and done, nothing charged", async () => {
    const request = { prompt: "a small green circle", seed: 11, quality: "fast", response_format: "b64_json" };
    await (await post(request)).json();
    const events = (await receive(await post({ ...request, stream: true }))).map(({ event }) => event);
    expect(events.map((e) => e.event)).toEqual(["final", "done"]);
    expect(events[1]).toMatchObject({ response: { understudy: { credits_charged: 0 } } });
  });

  it("the CLI against this deployment: keys create with the admin token, then generate with the key, streaming progress", async () => {
    const created = await understudy(["keys", "create", "--tenant", "cli-acme", "--tier", "pro", "--endpoint", stack.edgeUrl], { UNDERSTUDY_ADMIN_TOKEN: stack.credentials.admin_token });
    const cliKey = /^key\s+(\S+)$/m.exec(created.stdout)![1]!;

    const out = join(mkdtempSync(join(tmpdir(), "understudy-e2e-")), "star.png");
    const prompt = "a large red star at the center on a blue background";
    const { stdout, stderr } = await understudy(["generate", prompt, "--endpoint", stack.edgeUrl, "--seed", "8", "-o", out], { UNDERSTUDY_API_KEY: cliKey });
    const preview = stderr.indexOf("student preview arrived");
    expect(preview).toBeGreaterThanOrEqual(0);
    expect(stderr.indexOf("oracle")).toBeGreaterThan(preview);
    expect(stderr.indexOf("final image arrived")).toBeGreaterThan(stderr.indexOf("oracle"));
    expect(stdout).toMatch(new RegExp(`${out}: route (student|refined|regenerated), seed 8, cache miss`));
    expect(stdout).toMatch(/credits charged \d+/);
    expect(readFileSync(out).subarray(1, 4).toString()).toBe("PNG");

    // The edge's refusals come out as the CLI's error: an unknown key is a 401 with its code.
    const refused = understudy(["generate", prompt, "--endpoint", stack.edgeUrl], { UNDERSTUDY_API_KEY: "us_not_a_key" });
    await expect(refused).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/^understudy generate: unauthorized \(Authorization\): .*valid, unrevoked key/m) });
  });
});
