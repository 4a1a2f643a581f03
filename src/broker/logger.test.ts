import { spawnSync } from "node:child_process";
import path from "node:path";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.ts";

describe("createLogger", () => {
  it("redacts credentials and tokens wherever the log puts them", () => {
    let output = "";
    const sink = new Writable({
      write(chunk, _encoding, done) {
        output += chunk;
        done();
      },
    });
    const log = createLogger("info", sink);
    log.info({ req: { headers: { authorization: "Bearer secret-token" } } }, "request");
    log.info({ password: "hunter22", accessToken: "jwt-abc" }, "login");
    log.info({ params: { paymentToken: "tok_live_123" }, order: { payment: { paymentToken: "tok_live_456" } } }, "checkout");
    log.info({ meta: { authToken: "jwt-def" } }, "call");
    for (const secret of ["secret-token", "hunter22", "jwt-abc", "tok_live_123", "tok_live_456", "jwt-def"]) expect(output).not.toContain(secret);
    expect(output.match(/\[redacted\]/g)).toHaveLength(6);
  });
});

describe("createLogger's standard output", () => {
  it("writes out the lines still in its buffer when the process exits, even right after logging them", () => {
    const logger = path.join(import.meta.dirname, "logger.ts");
    const script = `const { createLogger } = await import(${JSON.stringify(logger)}); const log = createLogger("info"); log.info("first"); log.warn("last"); process.exit(3);`;
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    expect(child.status).toBe(3);
    expect(child.stdout.trim().split("\n").map((line) => JSON.parse(line).msg)).toEqual(["first", "last"]);
  });
});
