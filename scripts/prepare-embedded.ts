/**
 * Run by `npm install` (postinstall): makes the embedded database's template cluster, so that
 * `npm start` on a new data dir (and every test that starts one) skips PGlite's initdb. Never fails
 * the install: without the template, a new data dir is simply initialised at its first start.
 */
import { writeTemplate } from "../src/broker/embedded-template.ts";

try {
  const started = Date.now();
  const file = await writeTemplate();
  console.error(`bazaar: embedded database template ready in ${Date.now() - started} ms (${file})`);
} catch (error) {
  console.error(`bazaar: no embedded database template (${(error as Error).message}); new data dirs will be initialised at first start`);
}
