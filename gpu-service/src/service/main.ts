// The gpu-service process: `npm start -w gpu-service` (or `node --import tsx gpu-service/src/service/main.ts`).
import { ConfigError, loadConfig, type ServiceConfig } from "./config.js";
import { startService } from "./service.js";

function configOrExit(): ServiceConfig {
  try {
    return loadConfig(process.env, process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`gpu-service: ${error.message}`);
    process.exit(2);
  }
}

const config = configOrExit();

const service = await startService(config);
console.log(`gpu-service listening on ${service.url} (${config.dev && !config.secret ? "development mode, unsigned requests accepted" : "edge signatures required"})`);
service.ready.then(
  (scheduler) => console.log(`gpu-service ready: bundle ${scheduler.info.id}@${scheduler.info.version}, ${config.workers} worker(s), max batch ${config.maxBatch}`),
  (error: Error) => {
    console.error(`gpu-service: ${error.message}`);
    process.exit(1);
  },
);

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log(`gpu-service: ${signal} received; finishing in-flight requests`);
    service.shutdown().then(
      () => process.exit(0),
      (error: Error) => {
        console.error(`gpu-service: shutdown failed: ${error.message}`);
        process.exit(1);
      },
    );
  });
}
