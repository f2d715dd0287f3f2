// Entry of every worker thread. Node 20 does not carry the parent's `--import tsx` loader into worker
// threads, so a TypeScript worker module needs the loader registered here before it is imported.
import { workerData } from "node:worker_threads";

const { entry } = workerData;
if (entry.endsWith(".ts")) {
  const { register } = await import("tsx/esm/api");
  register();
}
await import(entry);
