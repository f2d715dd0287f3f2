// The playground in a real browser: Debian's Chromium driven by playwright-core against the real stack (the
// gpu-service on the embedded bundle, the edge under wrangler dev). Pastes a key, types a prompt, waits for
// the student's preview and the final image, checks what the page says about them, and saves a screenshot
// to test/artifacts/playground.png. Skips with a message while the bundle is absent.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUNDLE_PRESENT, SKIP_REASON, Stack } from "./e2e-stack.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARTIFACTS = join(import.meta.dirname, "artifacts");
// Headless, and quiet: without the background-networking flags Chromium keeps trying to reach Google.
// playwright-core gives each launch a fresh, throwaway profile (its own --user-data-dir).
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

if (!BUNDLE_PRESENT) console.warn(SKIP_REASON);
if (BUNDLE_PRESENT && !existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run .ci/system-packages (apt-get install chromium) or set CHROMIUM_PATH.`);

describe.skipIf(!BUNDLE_PRESENT)("the playground in headless Chromium (real gpu-service, wrangler dev)", () => {
  const stack = new Stack(18897, 18898);
  let browser: Browser;
  let proKey = "";
  let freeKey = "";

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    await stack.start();
    [proKey, freeKey] = await Promise.all([stack.newKey("browser-pro", "pro"), stack.newKey("browser-free", "free")]);
  });
  afterAll(async () => {
    await browser?.close();
    await stack.stop();
  });

  /** A fresh page (fresh localStorage) that fails the test on any script error or CSP violation. */
  async function openPlayground(): Promise<{ page: Page; problems: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 960 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`console: ${message.text()}`);
    });
    await page.goto(`${stack.edgeUrl}/`);
    return { page, problems };
  }

  async function pasteKey(page: Page, key: string): Promise<void> {
    await page.locator("#key").fill(key);
    await page.getByRole("button", { name: "Use this key" }).click();
    await page.locator("#main").waitFor({ state: "visible" });
  }

  it("draws: the preview, then the final image, with its route, score against τ, evaluations and stage timings", async () => {
    const { page, problems } = await openPlayground();
    expect(await page.locator("#key-panel").isVisible()).toBe(true);
    await pasteKey(page, proKey);
    expect(await page.locator("#tier-badge").textContent()).toBe("pro");
    expect(await page.locator("#advanced").isVisible()).toBe(true);

    await page.locator("#prompt").fill("a red circle on a blue background");
    await page.locator("#dice").click();
    const seed = await page.locator("#seed").inputValue();
    expect(seed).toMatch(/^\d+$/);

    // Record the order in which the two images arrive.
    await page.evaluate(() => {
      const order: string[] = [];
      (window as unknown as { arrivals: string[] }).arrivals = order;
      for (const id of ["preview", "final"]) {
        new MutationObserver(() => order.includes(id) || order.push(id)).observe(document.getElementById(id)!, { attributeFilter: ["src"] });
      }
    });
    await page.locator("#go").click();
    await page.locator("#final").waitFor({ state: "visible", timeout: 150_000 });

    // The edge streams (stage events): the student's preview lands before the final image.
    expect(await page.locator("#result").getAttribute("data-delivery")).toBe("streamed");
    expect(await page.evaluate(() => (window as unknown as { arrivals: string[] }).arrivals)).toEqual(["preview", "final"]);
    expect(await page.locator("#preview").isVisible()).toBe(true);
    // The stream's done event carries what was charged.
    await expect.poll(() => page.locator("#charged").textContent()).toMatch(/^\d+$/);

    const route = (await page.locator("#route").textContent())!;
    expect(route).toMatch(/^(student|refined|regenerated|teacher)\b/);
    expect(await page.locator("#score").textContent()).toMatch(/^-?\d+\.\d{3} vs τ (-?\d+\.\d{3}|–)$/);
    expect(await page.locator("#verdict-text").textContent()).toMatch(/^Oracle score -?\d+\.\d{3} [<≥] τ -?\d+\.\d{3} → /);
    const [student, teacher] = (await page.locator("#evaluations").textContent())!.match(/\d+/g)!.map(Number);
    expect(student).toBeGreaterThan(0);
    expect(teacher! > 0).toBe(!route.startsWith("student"));
    expect(await page.locator("#used-seed").textContent()).toBe(seed);
    expect(await page.locator("#timings-body tr").count()).toBeGreaterThan(0);
    expect(await page.locator("#final").evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);

    // The key stays in this browser's storage and never reaches a URL; the image joins the history.
    expect(page.url()).not.toContain(proKey);
    expect(await page.evaluate(() => localStorage.getItem("understudy.key"))).toBe(proKey);
    expect(await page.locator("#history li").count()).toBe(1);
    expect(await page.locator("#history li .caption").first().textContent()).toBe("a red circle on a blue background");

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "playground.png"), fullPage: true });
    expect(problems).toEqual([]);
  });

  it("offers mode, strategy and σ only to tiers that allow them, and says why a refused key is refused", async () => {
    const { page, problems } = await openPlayground();
    await pasteKey(page, freeKey);
    expect(await page.locator("#tier-badge").textContent()).toBe("free");
    expect(await page.locator("#advanced").isVisible()).toBe(false);
    expect(await page.locator("#quality-hint").textContent()).toBe("The student draws every image.");

    await page.getByRole("button", { name: "Change key" }).click();
    await page.locator("#key").fill("us_" + "x".repeat(43));
    await page.getByRole("button", { name: "Use this key" }).click();
    await expect.poll(() => page.locator("#key-error").textContent()).toMatch(/^That key was refused: .*\(unauthorized\)$/);
    // The 401 itself is logged by Chromium as a failed resource load; nothing else may go wrong.
    expect(problems.filter((p) => !p.includes("401"))).toEqual([]);
  });
});
