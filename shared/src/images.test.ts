import { describe, expect, it } from "vitest";
import { apiErrorFromZod } from "./errors.js";
import { EditFields, GenerationRequest, ImagesResponse, type GenerationRequestInput } from "./images.js";

function rejection(body: unknown) {
  const result = GenerationRequest.safeParse(body);
  if (result.success) throw new Error(`expected ${JSON.stringify(body)} to be rejected`);
  return apiErrorFromZod(result.error, body);
}

const valid: GenerationRequestInput = { prompt: "a large red star at the center on a blue background" };

describe("GenerationRequest", () => {
  it("fills OpenAI's defaults and ours", () => {
    const parsed = GenerationRequest.parse(valid);
    expect(parsed).toMatchObject({ n: 1, response_format: "url", quality: "balanced", stream: false });
    expect(parsed.seed).toBeUndefined();
  });

  it("maps OpenAI quality words onto ours", () => {
    expect(GenerationRequest.parse({ ...valid, quality: "hd" }).quality).toBe("best");
    expect(GenerationRequest.parse({ ...valid, quality: "standard" }).quality).toBe("balanced");
    expect(GenerationRequest.parse({ ...valid, quality: "low" }).quality).toBe("fast");
  });

  it("trims the prompt", () => {
    expect(GenerationRequest.parse({ prompt: "  a red circle  " }).prompt).toBe("a red circle");
  });

  const cases: Array<[string, Record<string, unknown>, string, string]> = [
    ["missing prompt", {}, "prompt", "missing_field"],
    ["empty prompt", { prompt: "   " }, "prompt", "invalid_value"],
    ["prompt too long", { prompt: "a".repeat(1001) }, "prompt", "invalid_value"],
    ["prompt not a string", { prompt: 42 }, "prompt", "invalid_value"],
    ["n zero", { ...valid, n: 0 }, "n", "invalid_value"],
    ["n five", { ...valid, n: 5 }, "n", "invalid_value"],
    ["n fractional", { ...valid, n: 1.5 }, "n", "invalid_value"],
    ["size malformed", { ...valid, size: "big" }, "size", "invalid_value"],
    ["size not multiple of 8", { ...valid, size: "65x64" }, "size", "invalid_value"],
    ["size too large", { ...valid, size: "4096x4096" }, "size", "invalid_value"],
    ["response_format unknown", { ...valid, response_format: "png" }, "response_format", "invalid_value"],
    ["negative seed", { ...valid, seed: -1 }, "seed", "invalid_value"],
    ["seed above uint32", { ...valid, seed: 2 ** 32 }, "seed", "invalid_value"],
    ["seed fractional", { ...valid, seed: 1.5 }, "seed", "invalid_value"],
    ["seed as string", { ...valid, seed: "7" }, "seed", "invalid_value"],
    ["quality unknown", { ...valid, quality: "ultra" }, "quality", "invalid_value"],
    ["mode unknown", { ...valid, mode: "oracle" }, "mode", "invalid_value"],
    ["strategy unknown", { ...valid, strategy: "retry" }, "strategy", "invalid_value"],
    ["strength zero", { ...valid, strength: 0 }, "strength", "invalid_value"],
    ["strength above one", { ...valid, strength: 1.01 }, "strength", "invalid_value"],
    ["steps zero", { ...valid, steps: 0 }, "steps", "invalid_value"],
    ["steps above 100", { ...valid, steps: 101 }, "steps", "invalid_value"],
    ["student_steps above 8", { ...valid, student_steps: 9 }, "student_steps", "invalid_value"],
    ["guidance negative", { ...valid, guidance: -1 }, "guidance", "invalid_value"],
    ["guidance above 20", { ...valid, guidance: 21 }, "guidance", "invalid_value"],
    ["negative_prompt too long", { ...valid, negative_prompt: "x".repeat(1001) }, "negative_prompt", "invalid_value"],
    ["user too long", { ...valid, user: "u".repeat(257) }, "user", "invalid_value"],
    ["stream not boolean", { ...valid, stream: "yes" }, "stream", "invalid_value"],
    ["unknown field", { ...valid, colour: "red" }, "colour", "unknown_field"],
  ];

  it.each(cases)("rejects %s, naming the field", (_name, body, param, code) => {
    const error = rejection(body);
    expect(error.param).toBe(param);
    expect(error.code).toBe(code);
    expect(error.status).toBe(400);
    expect(error.message.startsWith(`${param}:`)).toBe(true);
  });

  it("accepts every bound's edge value", () => {
    const parsed = GenerationRequest.parse({ ...valid, n: 4, seed: 2 ** 32 - 1, strength: 1, steps: 100, student_steps: 8, guidance: 20, size: "64x64" });
    expect(parsed.seed).toBe(4294967295);
  });
});

describe("EditFields", () => {
  it("coerces multipart strings", () => {
    const parsed = EditFields.parse({ prompt: "a blue ring", n: "2", seed: "7", strength: "0.6", stream: "true" });
    expect(parsed).toMatchObject({ n: 2, seed: 7, strength: 0.6, stream: true });
  });

  it("names the field of a bad multipart number", () => {
    const result = EditFields.safeParse({ prompt: "a blue ring", strength: "strong" });
    expect(result.success).toBe(false);
    if (!result.success) expect(apiErrorFromZod(result.error).param).toBe("strength");
  });
});

describe("ImagesResponse", () => {
  it("describes each image's route and spend", () => {
    const response = ImagesResponse.parse({
      created: 1764200000,
      data: [
        {
          b64_json: "iVBORw0KGgo=",
          understudy: {
            seed: 7,
            route: "refined",
            oracle_score: -0.4,
            threshold: 0.1,
            k: 30,
            unet_evaluations: { student: 2, teacher: 50 },
            timings_ms: { student_unet: 5.2, teacher_unet: 210 },
            cache: "miss",
            degraded: false,
            degraded_reason: null,
          },
        },
      ],
      understudy: { request_id: "req_1", bundle: { id: "shapes-world", version: "1" }, credits_charged: 52 },
    });
    expect(response.data[0]?.understudy.route).toBe("refined");
  });
});
