import { defineConfig } from "vitest/config";

/**
 * Cross-service tests against the real stack (the gpu-service on the embedded bundle and the edge under
 * `wrangler dev`). They start their own processes on spare ports, so they run beside a developer's `npm start`.
 */
export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**"],
    environment: "node",
    testTimeout: 180_000,
    hookTimeout: 420_000,
    fileParallelism: false,
  },
});
