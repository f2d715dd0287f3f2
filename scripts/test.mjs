#!/usr/bin/env node
// `npm test`: runs every workspace's tests (each workspace's own `npm test`), then prints one closing
// line, "N passed, N failed, N skipped", summed over all workspaces from vitest's JSON reports.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const REPORT = ".vitest-report.json";
const workspaces = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).workspaces;

for (const workspace of workspaces) rmSync(join(root, workspace, REPORT), { force: true });

const passthrough = process.argv.slice(2);
const run = spawnSync(
  "npm",
  ["run", "test", "--workspaces", "--if-present", "--", "--reporter=default", "--reporter=json", `--outputFile.json=${REPORT}`, ...passthrough],
  { cwd: root, stdio: "inherit", env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
);

const totals = { passed: 0, failed: 0, skipped: 0 };
for (const workspace of workspaces) {
  const path = join(root, workspace, REPORT);
  if (!existsSync(path)) continue;
  const report = JSON.parse(readFileSync(path, "utf8"));
  totals.passed += report.numPassedTests ?? 0;
  totals.failed += (report.numFailedTests ?? 0) + (report.numRuntimeErrorTestSuites ?? 0);
  totals.skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}
const failed = run.status !== 0 && totals.failed === 0 ? 1 : totals.failed;
console.log(`\n${totals.passed} passed, ${failed} failed, ${totals.skipped} skipped`);
process.exit(run.status ?? 1);
