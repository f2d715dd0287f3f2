import { describe, expect, it } from "vitest";
import { verdicts, type JudgeConfig, type JudgeReading } from "./verdicts.js";

const config: JudgeConfig = {
  cells: ["top left", "top", "top right", "left", "center", "right", "bottom left", "bottom", "bottom right"],
  colours: ["red", "green", "blue"],
  shapes: ["circle", "star"],
  sizes: ["small", "large"],
  backgrounds: ["red", "green", "blue", "gray"],
  presence_threshold_logit: 0,
};

/** A reading with objects at the given cells as (colour, shape, size) indices, and a background index. */
function reading(objects: Record<number, [number, number, number]>, background: number): JudgeReading {
  const oneHot = (n: number, i: number) => Float32Array.from({ length: n }, (_, j) => (j === i ? 5 : -5));
  return {
    presence: Float32Array.from({ length: 9 }, (_, c) => (c in objects ? 3 : -3)),
    colour: Array.from({ length: 9 }, (_, c) => oneHot(3, objects[c]?.[0] ?? 0)),
    shape: Array.from({ length: 9 }, (_, c) => oneHot(2, objects[c]?.[1] ?? 0)),
    size: Array.from({ length: 9 }, (_, c) => oneHot(2, objects[c]?.[2] ?? 0)),
    background: oneHot(4, background),
  };
}

describe("verdicts", () => {
  it("reads attributes at the stated cell", () => {
    const expected = { prompt: "", seed: 0, objects: [{ colour: "red", shape: "star", size: "large", position: "center" }], background: "blue" };
    expect(verdicts(config, reading({ 4: [0, 1, 1] }, 2), expected)).toEqual({
      "obj0.position": true, "obj0.colour": true, "obj0.shape": true, "obj0.size": true, background: true, count: true,
    });
  });

  it("fails position but still finds the object elsewhere by its colour", () => {
    const expected = { prompt: "", seed: 0, objects: [{ colour: "green", shape: "circle", size: null, position: "top" }], background: null };
    const verdict = verdicts(config, reading({ 0: [2, 0, 0], 8: [1, 0, 0] }, 3), expected);
    expect(verdict).toEqual({ "obj0.position": false, "obj0.colour": true, "obj0.shape": true, count: false });
  });

  it("fails every attribute when nothing is detected", () => {
    const expected = { prompt: "", seed: 0, objects: [{ colour: "red", shape: "circle" }] };
    expect(verdicts(config, reading({}, 0), expected)).toEqual({ "obj0.colour": false, "obj0.shape": false, count: false });
  });
});
