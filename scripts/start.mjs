#!/usr/bin/env node
// `npm start`: the whole stack on the embedded bundle — the gpu-service and the edge under `wrangler dev`
// (local KV, R2 and Durable Objects in .wrangler/state), signed with one generated secret. Creates a local
// development tenant and key on first start, prints it and the URL, and stops both processes on Ctrl-C.
import { existsSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { EDGE_URL, GPU_URL, ROOT, devCredentials, ensureDevKey, startEdge, startGpuService, stop, waitFor } from "./lib/stack.mjs";

// The gpu-service reads UNDERSTUDY_BUNDLE_DIR (default: the embedded bundle in models/); so does this check.
const bundleManifest = process.env.UNDERSTUDY_BUNDLE_DIR ? join(process.env.UNDERSTUDY_BUNDLE_DIR, "understudy.json") : "models/understudy.json";
const requirements = [
  [bundleManifest, "the embedded model bundle (issue 3: train it with training/, see training/README.md)"],
  ["gpu-service/src/service/main.ts", "the gpu-service HTTP service (issue 5)"],
  ["edge/src/index.ts", "the edge worker (issue 6)"],
];
const missing = requirements.filter(([path]) => !existsSync(isAbsolute(path) ? path : join(ROOT, path)));
if (missing.length > 0) {
  console.error("understudy cannot start yet; missing:");
  for (const [path, what] of missing) console.error(`  - ${path}: ${what}`);
  process.exit(1);
}

const credentials = devCredentials();
const children = [];
let stopping = false;

function shutdown(code) {
  if (stopping) return;
  stopping = true;
  for (const child of children) stop(child);
  // Give both a moment to finish in-flight work (the gpu-service drains on SIGTERM), then leave.
  setTimeout(() => process.exit(code), 1_500).unref();
}

for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => shutdown(0));

const gpu = startGpuService(credentials);
const edge = startEdge(credentials);
children.push(gpu, edge);
for (const [child, name] of [[gpu, "gpu-service"], [edge, "edge (wrangler dev)"]]) {
  child.on("exit", (code) => {
    if (!stopping) console.error(`understudy: ${name} exited (code ${code}); stopping the stack.`);
    shutdown(code ?? 1);
  });
}

try {
  console.error("understudy: starting the gpu-service (loading the bundle) and the edge…");
  await Promise.all([
    waitFor(`${GPU_URL}/readyz`, { child: gpu, timeoutMs: 300_000, what: "the gpu-service" }),
    waitFor(`${EDGE_URL}/healthz`, { child: edge, timeoutMs: 120_000, what: "the edge" }),
  ]);
  const dev = await ensureDevKey(credentials);
  console.log(`
understudy is running.

  Playground  ${EDGE_URL}/      (paste the key below once)
  API         ${EDGE_URL}/v1/images/generations      (docs: ${EDGE_URL}/docs)
  API key     ${dev.key}   (tenant "${dev.tenant}", tier ${dev.tier}${dev.created ? ", created just now" : ""})

  curl -s ${EDGE_URL}/v1/images/generations \\
    -H "Authorization: Bearer ${dev.key}" -H "Content-Type: application/json" \\
    -d '{"prompt": "a red circle on a blue background", "seed": 7, "response_format": "b64_json"}'

  More keys:  npm run keys -- create --tenant acme --tier standard
  Stop:       Ctrl-C
`);
} catch (error) {
  console.error(`understudy: ${error.message}`);
  shutdown(1);
}
