import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

/**
 * Worker-level tests run inside workerd with the bindings from wrangler.toml (KV, R2, the budget Durable
 * Object). The gpu-service is a stand-in (test/standin.ts) answering the internal contract through a fetch
 * spy, so these tests isolate the edge; test/edge*.test.ts at the repo root drive the real stack.
 */
export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "../wrangler.toml" },
      miniflare: {
        bindings: {
          GPU_SERVICE_SECRET: "test-gpu-secret",
          ADMIN_TOKEN: "test-admin-token",
          GPU_SERVICE_URLS: "http://gpu-a.test,http://gpu-b.test",
          GPU_DEADLINE_MS: "5000",
          GPU_MAX_ATTEMPTS: "3",
        },
      },
    }),
  ],
  test: {
    include: ["src/**/*.test.ts"],
    // Discord's and Slack's APIs, stood in for on loopback (the bots' follow-ups are checked against it).
    globalSetup: ["src/bots/chatApis.standin.ts"],
  },
});
