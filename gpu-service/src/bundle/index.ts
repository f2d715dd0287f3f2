export { readBundle, readConfig, type Bundle, type DiffusionModelFiles } from "./bundle.js";
export { openSession, sessionOptions, type SessionSettings } from "./session.js";
export { bundleError } from "./errors.js";
export * from "./configs.js";
