import { fileURLToPath } from "node:url";

/** `--bundle`, else $UNDERSTUDY_BUNDLE_DIR (the variable the service reads), else the embedded bundle (`models/`). */
export function bundleDir(flag: string | undefined): string {
  return flag ?? process.env["UNDERSTUDY_BUNDLE_DIR"] ?? fileURLToPath(new URL("../../../models", import.meta.url));
}
