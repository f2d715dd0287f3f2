import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

describe("documentation and health", () => {
  it("serves an OpenAPI 3.1 document generated from the shared schemas", async () => {
    const response = await SELF.fetch("https://edge.test/openapi.json");
    expect(response.status).toBe(200);
    const doc = (await response.json()) as { openapi: string; paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown> } }> } }>> };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/v1/images/generations", "/v1/images/edits", "/v1/images/{id}", "/v1/usage", "/healthz"]));
    expect(Object.keys(doc.paths).some((path) => path.startsWith("/admin"))).toBe(false);
    const fields = doc.paths["/v1/images/generations"]!.post!.requestBody!.content["application/json"]!.schema.properties;
    expect(Object.keys(fields)).toEqual(expect.arrayContaining(["prompt", "seed", "quality", "mode", "n", "size", "response_format"]));
  });

  it("serves a human-readable page from the same document", async () => {
    const response = await SELF.fetch("https://edge.test/docs");
    expect(response.headers.get("content-type")).toContain("text/html");
    const page = await response.text();
    expect(page).toContain("POST /v1/images/generations");
    expect(page).toContain("<code>prompt</code>");
  });

  it("healthz answers with a request id and secure headers", async () => {
    const response = await SELF.fetch("https://edge.test/healthz");
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toBeTruthy();
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await response.json()).toMatchObject({ status: "ok" });
  });

  it("echoes a caller's request id", async () => {
    const response = await SELF.fetch("https://edge.test/healthz", { headers: { "X-Request-Id": "trace-123" } });
    expect(response.headers.get("x-request-id")).toBe("trace-123");
  });
});
