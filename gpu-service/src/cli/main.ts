import { ApiError } from "@understudy/shared";
import { CALIBRATE_USAGE, calibrateCommand } from "./calibrate.js";
import { GENERATE_USAGE, generateCommand } from "./generate.js";
import { REMOTE_USAGE, keysCommand, remoteGenerateCommand, wantsEndpoint } from "./remote.js";

const commands: Record<string, (args: string[]) => Promise<void>> = {
  // With --endpoint the image is made by a deployment (through its edge), not by the bundle on this machine.
  generate: (args) => (wantsEndpoint(args) ? remoteGenerateCommand(args) : generateCommand(args)),
  calibrate: calibrateCommand,
  keys: keysCommand,
};

const USAGE = `usage:\n${GENERATE_USAGE}\n\n${REMOTE_USAGE}\n\n${CALIBRATE_USAGE}`;

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  const command = name === undefined ? undefined : commands[name];
  if (!command) {
    console.error(USAGE);
    return name === undefined || name === "--help" ? 0 : 2;
  }
  try {
    await command(args);
    return 0;
  } catch (error) {
    // ApiErrors say which field to fix; anything else is printed as it is.
    const prefix = error instanceof ApiError ? `${error.code}${error.param ? ` (${error.param})` : ""}: ` : "";
    console.error(`understudy ${name}: ${prefix}${(error as Error).message}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
