/**
 * Run by `npm install` (postinstall): makes the embedded database's templates (a fresh cluster, and
 * one with every module's migrations applied), so that `npm start` on a new data dir (and every test
 * that starts one) skips PGlite's initdb and the migrations. Never fails the install: without the
 * templates, a new data dir is simply initialised at its first start.
 */
import { writeMigratedTemplate, writeTemplate } from "../src/broker/embedded-template.ts";
import { moduleData } from "../src/broker/module.ts";
import { registry } from "../src/registry.ts";

try {
  const started = Date.now();
  await writeTemplate();
  const dir = await writeMigratedTemplate(registry.map((module) => moduleData(module).data));
  console.error(`bazaar: embedded database templates ready in ${Date.now() - started} ms (${dir})`);
} catch (error) {
  console.error(`bazaar: no embedded database template (${(error as Error).message}); new data dirs will be initialised at first start`);
}
