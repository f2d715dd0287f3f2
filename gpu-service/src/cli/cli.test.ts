import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { decode } from "fast-png";
import { STAR_PROMPT, TINY_BUNDLE, tinyBundleCopy } from "../../test/helpers.js";
import { calibrateCommand } from "./calibrate.js";
import { generateCommand } from "./generate.js";

describe("understudy generate", () => {
  afterEach(() => vi.restoreAllMocks());

  it("writes the PNG and explains it, mapping --quality as the pro tier does", async () => {
    const out = join(await mkdtemp(join(tmpdir(), "understudy-cli-")), "star.png");
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    await generateCommand([STAR_PROMPT, "--seed", "7", "--quality", "balanced", "-o", out, "--bundle", TINY_BUNDLE]);
    expect(decode(await readFile(out)).width).toBe(32);
    const explanation = log.mock.calls.map((call) => String(call[0])).join("\n");
    expect(explanation).toContain("k 50"); // pro tier: balanced → adaptive, k = 50
    expect(explanation).toMatch(/UNet evaluations: student 2, teacher \d+/);
  });

  it("names the flag when k has no calibrated τ", async () => {
    await expect(generateCommand([STAR_PROMPT, "--k", "33", "--bundle", TINY_BUNDLE])).rejects.toMatchObject({ param: "k" });
  });
});

describe("understudy calibrate", () => {
  it("prints τ(k) and, without --dry-run, writes them into the manifest", async () => {
    const dir = await tinyBundleCopy();
    vi.spyOn(console, "log").mockImplementation(() => undefined);
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    await calibrateCommand(["--bundle", dir, "--batch", "2"]);
    const manifest = JSON.parse(await readFile(join(dir, "understudy.json"), "utf8")) as { calibration: { thresholds: Record<string, number> } };
    const fixture = JSON.parse(await readFile(join(TINY_BUNDLE, "understudy.json"), "utf8")) as typeof manifest;
    expect(Object.keys(manifest.calibration.thresholds)).toHaveLength(19);
    expect(manifest.calibration.thresholds).not.toEqual(fixture.calibration.thresholds);
  });
});
