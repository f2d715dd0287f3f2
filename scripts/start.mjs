#!/usr/bin/env node
// `npm start`: runs the whole stack on the embedded bundle. Until every piece exists it says plainly
// which one is missing instead of failing somewhere deep inside a child process.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const requirements = [
  ["models/understudy.json", "the embedded model bundle (issue 3: train it with training/, see training/README.md)"],
  ["gpu-service/src/service/main.ts", "the gpu-service HTTP service (issue 5)"],
  ["edge/src/index.ts", "the edge worker (issue 6)"],
];
const missing = requirements.filter(([path]) => !existsSync(join(root, path)));
if (missing.length > 0) {
  console.error("understudy cannot start yet; missing:");
  for (const [path, what] of missing) console.error(`  - ${path}: ${what}`);
  process.exit(1);
}
console.error("All pieces are present, but the stack launcher is not written yet (issue 6).");
process.exit(1);
