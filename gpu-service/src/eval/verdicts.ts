import { z } from "zod";
import type { FloatTensor } from "../models/onnx-model.js";
import type { EvalRow } from "./prompt-set.js";

/** `judge/config.json`: the names behind the judge's logits, in index order. */
export const JudgeConfig = z.looseObject({
  cells: z.array(z.string()),
  colours: z.array(z.string()),
  shapes: z.array(z.string()),
  sizes: z.array(z.string()),
  backgrounds: z.array(z.string()),
  presence_threshold_logit: z.number(),
});
export type JudgeConfig = z.infer<typeof JudgeConfig>;

/** The judge's outputs for one image, as per-cell logit rows. */
export interface JudgeReading {
  presence: Float32Array;
  colour: Float32Array[];
  shape: Float32Array[];
  size: Float32Array[];
  background: Float32Array;
}

function rows(tensor: FloatTensor, image: number): Float32Array[] {
  const [, cells = 0, width = 0] = tensor.dims;
  const start = image * cells * width;
  return Array.from({ length: cells }, (_, c) => tensor.data.subarray(start + c * width, start + (c + 1) * width));
}

function vector(tensor: FloatTensor, image: number): Float32Array {
  const width = tensor.dims[1] ?? 0;
  return tensor.data.subarray(image * width, (image + 1) * width);
}

export function readingOf(outputs: Record<string, FloatTensor>, image: number): JudgeReading {
  const output = (name: string) => {
    const tensor = outputs[name];
    if (!tensor) throw new Error(`the judge has no output "${name}"`);
    return tensor;
  };
  return {
    presence: vector(output("presence"), image),
    colour: rows(output("colour"), image),
    shape: rows(output("shape"), image),
    size: rows(output("size"), image),
    background: vector(output("background"), image),
  };
}

const argmax = (values: ArrayLike<number>) => {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
};

/**
 * Per-attribute verdicts for one image (training/judging.py `verdicts`, which the bundle's eval numbers
 * use): an object's attributes are read at its stated cell, or else at the unused detected cell whose
 * logit for the expected colour is highest. Names look like "obj0.colour", "background", "count".
 */
export function verdicts(config: JudgeConfig, reading: JudgeReading, expected: EvalRow): Record<string, boolean> {
  const present = Array.from(reading.presence, (logit) => logit > config.presence_threshold_logit);
  const detected = present.flatMap((isPresent, cell) => (isPresent ? [cell] : []));
  const used = new Set<number>();
  const verdict: Record<string, boolean> = {};
  expected.objects.forEach((object, j) => {
    let cell: number | null = null;
    if (object.position != null) {
      const stated = config.cells.indexOf(object.position);
      verdict[`obj${j}.position`] = present[stated] ?? false;
      if (present[stated]) cell = stated;
    }
    if (cell === null) {
      const colour = config.colours.indexOf(object.colour);
      const candidates = detected.filter((c) => !used.has(c));
      if (candidates.length > 0) cell = candidates.reduce((best, c) => (reading.colour[c]![colour]! > reading.colour[best]![colour]! ? c : best));
    }
    if (cell !== null) used.add(cell);
    const at = cell;
    verdict[`obj${j}.colour`] = at !== null && config.colours[argmax(reading.colour[at]!)] === object.colour;
    verdict[`obj${j}.shape`] = at !== null && config.shapes[argmax(reading.shape[at]!)] === object.shape;
    if (object.size != null) verdict[`obj${j}.size`] = at !== null && config.sizes[argmax(reading.size[at]!)] === object.size;
  });
  if (expected.background != null) verdict["background"] = config.backgrounds[argmax(reading.background)] === expected.background;
  verdict["count"] = detected.length === expected.objects.length;
  return verdict;
}
