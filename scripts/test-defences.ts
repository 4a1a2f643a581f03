/**
 * `npm run test:defences`: for each defence, runs the tests that guard it with that defence alone
 * switched off (defences.ts) and checks that every one of them fails. A guarding test that still
 * passes tests something else, and this command fails. CI runs it after `npm test`.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { DEFENCES, type Defence } from "../src/broker/defences.ts";

const root = path.resolve(import.meta.dirname, "..");

/** The tests that guard each defence: their files, and a pattern of their names. */
const GUARDS: Record<Defence, { files: string[]; names: string }> = {
  "packet-sealing": { files: ["src/broker/middlewares/seal-packets.test.ts"], names: "cannot be read on the wire|refused when re-sent" },
  "replay-window": { files: ["src/broker/middlewares/seal-packets.test.ts"], names: "refused when replayed" },
  "event-sealing": { files: ["src/broker/events/test/jetstream.int.test.ts"], names: "encrypted|does not open" },
  "module-keys": {
    files: ["src/broker/bus-identity.test.ts", "src/broker/middlewares/seal-packets.test.ts", "test/security/module-keys.e2e.test.ts"],
    names: "cannot be opened by a third|posing as another|signed for with|another node, another namespace|cannot serve a module's actions",
  },
  "service-identity": { files: ["src/broker/service-identity.test.ts", "test/security/module-keys.e2e.test.ts"], names: "only claims it|a claim needs the module's key" },
  "inbox-dedupe": { files: ["src/broker/events/test/outbox.int.test.ts"], names: "duplicate delivery|concurrent duplicates" },
  "rate-limit": { files: ["src/gateway/plugins/rate-limit.test.ts"], names: "" },
  "nats-permissions": { files: ["test/security/nats-permissions.int.test.ts"], names: "no one else|addressed to its own nodes|no module create|own consumers only|inbox prefix|only once" },
};

interface Report {
  testResults: { assertionResults: { fullName: string; status: string }[] }[];
}

const scratch = await mkdtemp(path.join(tmpdir(), "bazaar-defences-"));
let holes = 0;
try {
  for (const defence of DEFENCES) {
    const { files, names } = GUARDS[defence];
    const output = path.join(scratch, `${defence}.json`);
    const args = ["vitest", "run", ...files, "--reporter=json", `--outputFile=${output}`, ...(names ? ["-t", names] : [])];
    // Failing is what is expected here: the exit code says nothing, the report says which failed.
    // CI unset: these runs must not write over npm test's own report.
    await promisify(execFile)("npx", args, { cwd: root, env: { ...process.env, NODE_ENV: "test", BAZAAR_DEFENCE_OFF: defence, CI: "" }, maxBuffer: 64 * 1024 * 1024 }).catch(() => undefined);
    const report = JSON.parse(await readFile(output, "utf8")) as Report;
    const ran = report.testResults.flatMap((result) => result.assertionResults).filter((test) => test.status === "passed" || test.status === "failed");
    const passed = ran.filter((test) => test.status === "passed");
    const ok = ran.length > 0 && passed.length === 0;
    if (!ok) holes++;
    console.log(`${ok ? "ok  " : "HOLE"} ${defence} off: ${ran.length - passed.length} of ${ran.length} guarding tests failed (${files.join(", ")})`);
    for (const test of passed) console.log(`       still passed: ${test.fullName}`);
  }
} finally {
  await rm(scratch, { recursive: true, force: true });
}
if (holes > 0) {
  console.error(`${holes} defence(s) with a guarding test that does not notice it switched off`);
  process.exit(1);
}
