import { readFile } from "node:fs/promises";
import { z } from "zod";

/** One object a prompt asks for; null attributes are unconstrained by the prompt. */
export const ExpectedObject = z.object({
  colour: z.string(),
  shape: z.string(),
  size: z.string().nullable().optional(),
  position: z.string().nullable().optional(),
});

/** A line of the bundle's `eval/prompts.jsonl`: the prompt, its noise seed, and what the image must show. */
export const EvalRow = z.object({
  prompt: z.string(),
  seed: z.number().int().min(0),
  objects: z.array(ExpectedObject).min(1),
  background: z.string().nullable().optional(),
});
export type EvalRow = z.infer<typeof EvalRow>;

export async function readEvalSet(path: string, limit?: number): Promise<EvalRow[]> {
  const lines = (await readFile(path, "utf8")).split("\n").filter((line) => line.trim() !== "");
  return lines.slice(0, limit).map((line, i) => {
    const parsed = EvalRow.safeParse(JSON.parse(line));
    if (!parsed.success) throw new Error(`${path}:${i + 1}: ${parsed.error.issues[0]?.message ?? "invalid row"}`);
    return parsed.data;
  });
}
