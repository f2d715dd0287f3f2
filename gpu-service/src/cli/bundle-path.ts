import { fileURLToPath } from "node:url";

/** `--bundle`, else $UNDERSTUDY_BUNDLE, else the bundle embedded in this repository (`models/`). */
export function bundleDir(flag: string | undefined): string {
  return flag ?? process.env["UNDERSTUDY_BUNDLE"] ?? fileURLToPath(new URL("../../../models", import.meta.url));
}
