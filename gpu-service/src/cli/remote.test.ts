import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { ErrorBody, ImageData, ImageStreamEvent, ImagesResponse } from "@understudy/shared";
import { keysCommand, remoteGenerateCommand } from "./remote.js";

/** A valid 1×1 PNG. */
const PNG_B64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

const image: ImageData = {
  b64_json: PNG_B64,
  understudy: {
    seed: 7, route: "refined", oracle_score: 0.12, threshold: 0.3, k: 50, unet_evaluations: { student: 2, teacher: 20 },
    timings_ms: { student_unet: 3, oracle: 1, teacher_unet: 40 }, cache: "miss", degraded: false, degraded_reason: null,
  },
};
const done: ImagesResponse = { created: 1, data: [image], understudy: { request_id: "req_1", bundle: { id: "shapes-world", version: "v1" }, credits_charged: 22 } };
const STREAM: ImageStreamEvent[] = [
  { event: "preview", index: 0, seed: 7, b64_json: PNG_B64 },
  { event: "verdict", index: 0, oracle_score: 0.12, threshold: 0.3, decision: "refine" },
  { event: "final", index: 0, image },
  { event: "done", response: done },
];

/** A stand-in edge on loopback: records what it was sent and answers with `answer`. */
let answer: (res: ServerResponse) => void;
const received: { method: string; url: string; authorization: string | undefined; body: unknown }[] = [];
let server: Server;
let endpoint = "";

function sse(events: ImageStreamEvent[]) {
  return (res: ServerResponse) => {
    res.writeHead(200, { "Content-Type": "text/event-stream" });
    for (const event of events) res.write(`event: ${event.event}\ndata: ${JSON.stringify(event)}\n\n`);
    res.end();
  };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}) {
  return (res: ServerResponse) => {
    res.writeHead(status, { "Content-Type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  };
}

beforeAll(async () => {
  server = createServer(async (req: IncomingMessage, res) => {
    let text = "";
    for await (const chunk of req) text += chunk;
    received.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization, body: text ? JSON.parse(text) : null });
    answer(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  endpoint = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

describe("understudy generate --endpoint", () => {
  let stderr: string[];
  let stdout: string[];
  beforeEach(() => {
    received.length = 0;
    vi.stubEnv("UNDERSTUDY_API_KEY", "us_test_key");
    stderr = [];
    stdout = [];
    vi.spyOn(process.stderr, "write").mockImplementation((line) => Boolean(stderr.push(String(line))));
    vi.spyOn(console, "log").mockImplementation((line) => void stdout.push(String(line)));
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  const prompt = "a large red star at the center on a blue background";

  it("streams progress (preview, verdict, final), writes the PNG and prints the explanation", async () => {
    answer = sse(STREAM);
    const out = join(await mkdtemp(join(tmpdir(), "understudy-remote-")), "out.png");
    await remoteGenerateCommand([prompt, "--endpoint", endpoint, "--seed", "7", "-o", out]);
    expect(received).toEqual([
      { method: "POST", url: "/v1/images/generations", authorization: "Bearer us_test_key", body: expect.objectContaining({ prompt, seed: 7, stream: true, response_format: "b64_json" }) },
    ]);
    expect(stderr).toHaveLength(3);
    expect(stderr[0]).toMatch(/image 0: student preview arrived \(seed 7\)/);
    expect(stderr[1]).toMatch(/image 0: oracle 0\.1200 vs τ 0\.3000 → refine \(teacher running…\)/);
    expect(stderr[2]).toMatch(/image 0: final image arrived \(route refined\)/);
    expect((await readFile(out)).equals(Buffer.from(PNG_B64, "base64"))).toBe(true);
    const printed = stdout.join("\n");
    expect(printed).toContain(`${out}: route refined, seed 7, cache miss`);
    expect(printed).toContain("UNet evaluations: student 2, teacher 20");
    expect(printed).toContain("credits charged 22");
  });

  it("takes the plain body from an edge that does not stream", async () => {
    answer = json(200, done);
    const out = join(await mkdtemp(join(tmpdir(), "understudy-remote-")), "out.png");
    await remoteGenerateCommand([prompt, "--endpoint", endpoint, "-o", out]);
    expect((await readFile(out)).length).toBeGreaterThan(0);
    expect(stdout.join("\n")).toContain("credits charged 22");
  });

  it("fails with the edge's code, param and message (and Retry-After) when it refuses", async () => {
    const refusal: ErrorBody = { error: { message: "Your credits for this month are used up.", type: "insufficient_quota", param: null, code: "insufficient_credits" } };
    answer = json(402, refusal);
    await expect(remoteGenerateCommand([prompt, "--endpoint", endpoint])).rejects.toMatchObject({ code: "insufficient_credits", message: refusal.error.message });
    answer = json(503, { error: { message: "At capacity.", type: "server_error", param: null, code: "overloaded" } }, { "Retry-After": "2" });
    await expect(remoteGenerateCommand([prompt, "--endpoint", endpoint])).rejects.toMatchObject({ code: "overloaded", message: "At capacity. (retry after 2 s)" });
  });

  it("fails with the error event's code when the stream fails midway", async () => {
    answer = sse([STREAM[0]!, { event: "error", code: "upstream_timeout", message: "The image service did not finish in time; nothing was charged." }]);
    await expect(remoteGenerateCommand([prompt, "--endpoint", endpoint])).rejects.toMatchObject({ code: "upstream_timeout" });
    expect(stderr[0]).toMatch(/student preview arrived/);
  });

  it("says what to set when UNDERSTUDY_API_KEY is missing, and sends nothing", async () => {
    vi.stubEnv("UNDERSTUDY_API_KEY", "");
    await expect(remoteGenerateCommand([prompt, "--endpoint", endpoint])).rejects.toThrow(/UNDERSTUDY_API_KEY/);
    expect(received).toHaveLength(0);
  });

  it("checks flags before sending: a bad seed names --seed; local-only flags are refused", async () => {
    await expect(remoteGenerateCommand([prompt, "--endpoint", endpoint, "--seed", "1.5"])).rejects.toMatchObject({ param: "seed", message: expect.stringMatching(/^--seed: /) });
    await expect(remoteGenerateCommand([prompt, "--endpoint", endpoint, "--k", "30"])).rejects.toThrow(/--k is for local generation only/);
    expect(received).toHaveLength(0);
  });

  it("says which endpoint it cannot reach", async () => {
    await expect(remoteGenerateCommand([prompt, "--endpoint", "http://127.0.0.1:9"])).rejects.toThrow(/cannot reach http:\/\/127\.0\.0\.1:9/);
  });
});

describe("understudy keys --endpoint", () => {
  beforeEach(() => {
    received.length = 0;
  });
  afterEach(() => vi.unstubAllEnvs());

  it("creates a key on the deployment with UNDERSTUDY_ADMIN_TOKEN (through scripts/keys.mjs)", async () => {
    answer = json(201, { tenant: "acme", tier: "pro", key: "us_new_key", prefix: "us_new_key" });
    vi.stubEnv("UNDERSTUDY_ADMIN_TOKEN", "admin-secret");
    await keysCommand(["create", "--tenant", "acme", "--tier", "pro", "--endpoint", endpoint]);
    expect(received).toEqual([{ method: "POST", url: "/admin/tenants/acme/keys", authorization: "Bearer admin-secret", body: { tier: "pro" } }]);
  });

  it("fails when the admin token is missing", async () => {
    vi.stubEnv("UNDERSTUDY_ADMIN_TOKEN", "");
    await expect(keysCommand(["create", "--tenant", "acme", "--tier", "pro", "--endpoint", endpoint])).rejects.toThrow(/key management failed/);
    expect(received).toHaveLength(0);
  });
});
