import { beforeEach, describe, expect, it, vi } from "vitest";
import { ImageStreamEvent, ImagesResponse, InternalPaths } from "@understudy/shared";
import { errorOf, generate, installStandin, newTenant, standin, usage } from "../../test/helpers.js";
import { TINY_PNG_B64 } from "../../test/standin.js";

/** The edge's SSE body, one validated public event at a time, as it arrives. */
async function* eventsOf(response: Response): AsyncGenerator<ImageStreamEvent> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const name = /^event: (.*)$/m.exec(block)?.[1];
      const event = ImageStreamEvent.parse(JSON.parse(/^data: (.*)$/m.exec(block)![1]!));
      expect(event.event).toBe(name);
      yield event;
    }
  }
}

async function allEvents(response: Response): Promise<ImageStreamEvent[]> {
  const events: ImageStreamEvent[] = [];
  for await (const event of eventsOf(response)) events.push(event);
  return events;
}

const kinds = (events: ImageStreamEvent[]) => events.map((e) => e.event);
const generations = () => standin.count(InternalPaths.generate);

/**
 * "a blue triangle" scores below τ = 0.5 (pro, balanced: k = 50) on the stand-in's oracle for these seeds, so
 * the teacher refines it. Each test takes its own seed: the image cache is shared by content, not by tenant.
 */
type RefinedSeed = 10 | 12 | 13 | 14 | 18 | 20 | 21;
const refined = (seed: RefinedSeed) => ({ prompt: "a blue triangle", seed, quality: "balanced", response_format: "b64_json", stream: true }) as const;

describe("stream: true", () => {
  beforeEach(installStandin);

  it("relays each stage as it arrives: preview and verdict reach the client while the teacher still works", async () => {
    const { key } = await newTenant("pro");
    let release!: () => void;
    standin.holdFinal = new Promise((resolve) => (release = resolve));
    const events = await (async () => {
      try {
        const response = await generate(key, refined(10));
        expect(response.status).toBe(200);
        expect(response.headers.get("Content-Type")).toMatch(/^text\/event-stream/);
        expect(response.headers.get("X-Request-Id")).toBeTruthy();
        const events = eventsOf(response);
        // The upstream is parked before its final event: these two can only be here if the edge did not buffer.
        expect((await events.next()).value).toEqual({ event: "preview", index: 0, seed: 10, b64_json: TINY_PNG_B64 });
        expect((await events.next()).value).toMatchObject({ event: "verdict", index: 0, threshold: 0.5, decision: "refine" });
        return events;
      } finally {
        release();
      }
    })();
    const rest: ImageStreamEvent[] = [];
    for await (const event of events) rest.push(event);
    expect(kinds(rest)).toEqual(["final", "done"]);
    const [final, done] = rest as [Extract<ImageStreamEvent, { event: "final" }>, Extract<ImageStreamEvent, { event: "done" }>];
    expect(final.image).toMatchObject({ b64_json: TINY_PNG_B64, understudy: { route: "refined", cache: "miss", seed: 10 } });
    // `done` is exactly the body a plain request answers, credits included.
    expect(ImagesResponse.parse(done.response).data).toEqual([final.image]);
    const spent = final.image.understudy.unet_evaluations.student + final.image.understudy.unet_evaluations.teacher;
    expect(done.response.understudy.credits_charged).toBe(spent);
  });

  it("settles to what was spent on done, and caches: the same request again is a free short stream", async () => {
    const { key } = await newTenant("pro");
    const first = await allEvents(await generate(key, refined(12)));
    const charged = (first.at(-1) as Extract<ImageStreamEvent, { event: "done" }>).response.understudy.credits_charged;
    expect(charged).toBeGreaterThan(0);
    await vi.waitFor(async () => expect((await usage(key)).credits).toMatchObject({ used: charged, reserved: 0 }));

    const calls = generations();
    const again = await allEvents(await generate(key, refined(12)));
    expect(generations()).toBe(calls);
    expect(kinds(again)).toEqual(["final", "done"]);
    expect(again[0]).toMatchObject({ event: "final", image: { b64_json: TINY_PNG_B64, understudy: { cache: "hit" } } });
    expect(again[1]).toMatchObject({ event: "done", response: { understudy: { credits_charged: 0 } } });
    // A plain request for the same image is served from what the stream cached, too.
    const plain = (await (await generate(key, { ...refined(12), stream: false })).json()) as ImagesResponse;
    expect(plain.data[0]!.understudy.cache).toBe("hit");
    expect(generations()).toBe(calls);
  });

  it("refunds everything when the service reports an error mid-stream, and caches nothing", async () => {
    const { key } = await newTenant("pro");
    standin.behaviour = "stream_error";
    const events = await allEvents(await generate(key, refined(13)));
    expect(kinds(events)).toEqual(["preview", "verdict", "error"]);
    expect(events[2]).toMatchObject({ event: "error", code: "internal_error", message: expect.stringMatching(/Nothing was charged/) });
    await vi.waitFor(async () => expect((await usage(key)).credits).toMatchObject({ used: 0, reserved: 0 }));
    standin.behaviour = "ok";
    const calls = generations();
    await allEvents(await generate(key, refined(13)));
    expect(generations()).toBe(calls + 1);
  });

  it("refunds everything when the service's stream breaks off before done", async () => {
    const { key } = await newTenant("pro");
    standin.behaviour = "stream_breaks";
    const events = await allEvents(await generate(key, refined(14)));
    expect(kinds(events)).toEqual(["preview", "verdict", "error"]);
    expect(events[2]).toMatchObject({ code: "upstream_unavailable" });
    await vi.waitFor(async () => expect((await usage(key)).credits).toMatchObject({ used: 0, reserved: 0 }));
  });

  it("url images are stored once and linked from final and done alike", async () => {
    const { key } = await newTenant("pro");
    const events = await allEvents(await generate(key, { ...refined(18), response_format: "url" }));
    const final = events.find((e) => e.event === "final") as Extract<ImageStreamEvent, { event: "final" }>;
    const done = events.at(-1) as Extract<ImageStreamEvent, { event: "done" }>;
    expect(final.image.url).toMatch(/^https:\/\/edge\.test\/v1\/images\//);
    expect(done.response.data[0]!.url).toBe(final.image.url);
  });

  it("failures before the first event stay plain JSON errors: no credits, unreachable service", async () => {
    const poor = await newTenant("free", 1);
    const refused = await generate(poor.key, refined(20));
    expect(refused.status).toBe(402);
    expect(await errorOf(refused)).toMatchObject({ code: "insufficient_credits" });

    const { key } = await newTenant("pro");
    standin.behaviour = "down";
    const down = await generate(key, refined(20));
    expect(down.status).toBe(503);
    expect(await errorOf(down)).toMatchObject({ code: "upstream_unavailable" });
    expect((await usage(key)).credits).toMatchObject({ used: 0, reserved: 0 });
  });

  it("refuses Idempotency-Key, naming the header", async () => {
    const { key } = await newTenant("pro");
    const response = await generate(key, refined(21), { "Idempotency-Key": "stream-1" });
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatchObject({ code: "invalid_value", param: "Idempotency-Key" });
    expect(generations()).toBe(0);
  });
});
