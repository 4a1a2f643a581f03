import { spawnSync } from "node:child_process";
import path from "node:path";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, humanLine } from "./logger.ts";

describe("createLogger", () => {
  it("redacts credentials and tokens wherever the log puts them", () => {
    let output = "";
    const sink = new Writable({
      write(chunk, _encoding, done) {
        output += chunk;
        done();
      },
    });
    const log = createLogger("info", { destination: sink, sensitive: ["password", "accessToken", "paymentToken"] });
    log.info({ req: { headers: { authorization: "Bearer secret-token" } } }, "request");
    log.info({ password: "hunter22", accessToken: "jwt-abc" }, "login");
    log.info({ params: { paymentToken: "tok_live_123" }, order: { payment: { paymentToken: "tok_live_456" } } }, "checkout");
    log.info({ meta: { authToken: "jwt-def" } }, "call");
    for (const secret of ["secret-token", "hunter22", "jwt-abc", "tok_live_123", "tok_live_456", "jwt-def"]) expect(output).not.toContain(secret);
    expect(output.match(/\[redacted\]/g)).toHaveLength(6);
  });

  it("redacts the transport's secrets always, and a module's fields only as its contract declares them", () => {
    const lines: string[] = [];
    const log = createLogger("info", { destination: { write: (line: string) => void lines.push(line) } });
    log.info({ meta: { authToken: "jwt-x" }, password: "visible-without-a-contract" }, "call");
    expect(lines.join("")).not.toContain("jwt-x");
    expect(lines.join("")).toContain("visible-without-a-contract");
  });
});

describe("the modules' contracts", () => {
  it("declare what the process's logger redacts: identity's credentials and tokens, orders' payment token", async () => {
    const { registry } = await import("../registry.ts");
    expect(registry.flatMap((module) => module.contract.sensitive).sort()).toEqual(["accessToken", "password", "paymentToken", "refreshToken"]);
  });
});

describe("humanLine", () => {
  it("writes a JSON line as time, level, module, message and the other fields, still redacted", () => {
    let output = "";
    const log = createLogger("info", { destination: { write: (line: string) => void (output += humanLine(line)) }, sensitive: ["password"] });
    log.child({ module: "orders" }).warn({ orderId: "o-1", attempt: 2, password: "hunter22" }, "payment late");
    expect(output).toMatch(/^\d\d:\d\d:\d\d\.\d{3} WARN  \[orders\] payment late  orderId=o-1 attempt=2 password=\[redacted\]\n$/);
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
