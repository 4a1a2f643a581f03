import { hostname } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { createBroker, type Broker } from "./create-broker.ts";
import { AppError } from "./errors.ts";
import { createLogger } from "./logger.ts";

let broker: Broker | undefined;
afterEach(async () => {
  await broker?.stop();
  broker = undefined;
});

async function brokerWith(handler: (params: { mode: string }) => Promise<unknown>): Promise<Broker> {
  broker = createBroker({
    namespace: "breaker-test",
    logger: createLogger("silent"),
    logLevel: "silent",
    requestTimeoutMs: 50,
    heartbeatIntervalS: 2,
    heartbeatTimeoutS: 6,
  });
  broker.createService({ name: "probe", actions: { run: (ctx: { params: { mode: string } }) => handler(ctx.params) } });
  await broker.start();
  return broker;
}

const outcome = (b: Broker, mode: string) =>
  b.call("probe.run", { mode }).then(
    () => "answered",
    (error: { name: string }) => error.name,
  );

describe("the circuit breaker", () => {
  it("never opens on errors a handler raises, whatever their status", async () => {
    const b = await brokerWith(async ({ mode }) => {
      if (mode === "bad") throw new AppError(400, "validation_failed", "bad input");
      if (mode === "crash") throw new Error("a bug, or a value the database refused");
      if (mode === "refused") throw new AppError(500, "internal_error", "refused");
      return "ok";
    });
    for (let i = 0; i < 60; i++) await outcome(b, ["bad", "crash", "refused"][i % 3] as string);
    expect(await outcome(b, "good")).toBe("answered");
  });

  it("opens when calls time out, so a slow node stops taking traffic", async () => {
    const b = await brokerWith(async ({ mode }) => (mode === "slow" ? new Promise((resolve) => setTimeout(resolve, 200)) : "ok"));
    const outcomes = [];
    for (let i = 0; i < 30; i++) outcomes.push(await outcome(b, "slow"));
    expect(outcomes).toContain("RequestTimeoutError");
    // The open breaker takes the only endpoint out of rotation.
    expect(await outcome(b, "good")).toBe("ServiceNotAvailableError");
  });
});

describe("params", () => {
  it("reach a local handler as a copy: what it changes, its caller never sees", async () => {
    const b = await brokerWith(async (params) => {
      params.mode = "changed by the handler";
      return params.mode;
    });
    const params = { mode: "sent" };
    expect(await b.call("probe.run", params)).toBe("changed by the handler");
    expect(params).toEqual({ mode: "sent" });
  });
});

describe("node ids", () => {
  it("differ on every start of the same process, so a restarted container is a new node on the bus", () => {
    const settings = { namespace: "ids", logger: createLogger("silent"), logLevel: "silent", requestTimeoutMs: 50, heartbeatIntervalS: 2, heartbeatTimeoutS: 6 };
    const [first, second] = [createBroker(settings), createBroker(settings)];
    expect(first.nodeID).not.toBe(second.nodeID);
    expect(first.nodeID.startsWith(`${hostname()}-${process.pid}-`)).toBe(true);
  });

  it("start with their owner, the one token NATS permissions match (nats-options.ts busSubjectsHeardBy)", () => {
    const settings = { namespace: "ids", owner: "catalog", logger: createLogger("silent"), logLevel: "silent", requestTimeoutMs: 50, heartbeatIntervalS: 2, heartbeatTimeoutS: 6 };
    const { nodeID } = createBroker(settings);
    expect(nodeID.startsWith("catalog.")).toBe(true);
    // The rest is one subject token whatever the host is called.
    expect(nodeID.split(".")).toHaveLength(2);
  });
});
