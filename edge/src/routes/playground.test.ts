import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { TIERS } from "@understudy/shared";

const get = (path: string) => SELF.fetch(`https://edge.test${path}`);

describe("playground", () => {
  it("serves the page at / without an API key, under a CSP that allows only its own script and fetches", async () => {
    const response = await get("/");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/html");
    const csp = response.headers.get("content-security-policy")!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    // The app-wide secure headers still apply.
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    const html = await response.text();
    expect(html).toContain('<script type="module" src="/playground/app.js"></script>');
    // Nothing inline would run: every other script element is a data block.
    const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)([^>]*)>/g)].map((m) => m[1]);
    expect(inline).toEqual([' type="application/json" id="tiers"']);
  });

  it("embeds what each tier allows, from shared/tiers.json, so the page shows mode, strategy and σ only where allowed", async () => {
    const html = await (await get("/")).text();
    const tiers = JSON.parse(/<script type="application\/json" id="tiers">(.*?)<\/script>/s.exec(html)![1]!);
    for (const [name, tier] of Object.entries(TIERS)) {
      expect(tiers[name]).toEqual({ description: tier.description, quality: tier.quality, allowed_modes: tier.allowed_modes, allowed_strategies: tier.allowed_strategies });
    }
  });

  it("serves its script and stylesheet with their content types; the key lives in localStorage, never in a URL", async () => {
    const script = await get("/playground/app.js");
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    const source = await script.text();
    expect(source).toContain("localStorage");
    expect(source).toContain('Authorization: "Bearer "');
    expect(source).not.toMatch(/[?&]key=/);
    expect((await get("/playground/app.css")).headers.get("content-type")).toBe("text/css; charset=utf-8");
  });

  it("leaves the API's own CSP (no scripts at all) untouched", async () => {
    const csp = (await get("/healthz")).headers.get("content-security-policy")!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain("script-src");
  });
});
