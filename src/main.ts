/**
 * The one entry point. Turns on Node's compile cache before anything else is loaded, because
 * compiling the application and its libraries (and stripping the TypeScript) was a fifth of
 * start-up and is the same on every start; the cache is keyed by each file's contents, so an
 * edited file is simply compiled again. NODE_COMPILE_CACHE chooses its directory (default: the
 * system's temporary one); where nothing can be written, start-up just compiles as before.
 *
 * OpenTelemetry, when the OTEL_* settings ask for it, starts next: before the libraries it traces
 * are loaded (telemetry.ts), and not loaded at all otherwise.
 */
import { enableCompileCache } from "node:module";

enableCompileCache();
const { telemetryWanted } = await import("./telemetry-wanted.ts");
if (telemetryWanted(process.env)) (await import("./telemetry.ts")).startTelemetry(process.env);
const { main } = await import("./app.ts");
await main();
