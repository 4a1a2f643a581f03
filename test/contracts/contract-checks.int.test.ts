/**
 * Contracts hold on both sides: outside production a module's answer that its contract does not
 * allow is a 500 where it is made (VALIDATE_RESULTS), and a test double built from a contract
 * refuses params and answers the contract does not allow, so a stub cannot drift from its module.
 */
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { call, defineContract, Type, Uuid } from "../../src/broker/contract-kit.ts";
import { defineModule } from "../../src/broker/module.ts";
import { failureOf, startModule, stubModule, type ModuleHarness } from "../support/module-harness.ts";

const Probe = defineContract({
  name: "probe",
  actions: {
    /** Answers `{ id }` for the id asked, or a malformed answer when asked for `broken`. */
    echo: { params: Type.Object({ id: Uuid, broken: Type.Boolean() }, { additionalProperties: false }), result: Type.Object({ id: Uuid }), access: "anyone", idempotent: true },
  },
  events: {},
});
const probe = defineModule({
  contract: Probe,
  entities: [],
  migrations: [],
  handlers: () => ({ echo: async ({ id, broken }) => (broken ? ({ id: 42 } as unknown as { id: string }) : { id }) }),
});

let harness: ModuleHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe("a module's answers", () => {
  it("are held to the contract's result schema outside production: a wrong one is a 500", async () => {
    harness = await startModule(probe);
    const id = randomUUID();
    expect(await harness.call(Probe.actions.echo, { id, broken: false })).toEqual({ id });
    expect(await failureOf(harness.call(Probe.actions.echo, { id, broken: true }))).toMatchObject({ status: 500, code: "internal_error" });
  });

  it("pass unchecked with VALIDATE_RESULTS=0 (as in production)", async () => {
    harness = await startModule(probe, { env: { VALIDATE_RESULTS: "0" } });
    expect(await harness.call(Probe.actions.echo, { id: randomUUID(), broken: true })).toEqual({ id: 42 });
  });
});

describe("a test double built from a contract", () => {
  it("refuses params its contract refuses, and fails on an answer its contract does not allow", async () => {
    harness = await startModule(probe, {
      services: [{ ...stubModule(Probe, { echo: async ({ id, broken }) => (broken ? ({ id: "not-a-uuid" } as { id: string }) : { id }) }), name: "probe-double" }],
    });
    const double = { ...Probe.actions.echo, fullName: "probe-double.echo" };
    const id = randomUUID();
    expect(await call(harness.broker, double, { id, broken: false })).toEqual({ id });
    expect(await failureOf(call(harness.broker, double, { id: "x", broken: false } as never))).toMatchObject({ status: 400, code: "validation_failed" });
    await expect(call(harness.broker, double, { id, broken: true })).rejects.toThrow(/the stub of probe.echo answered what its contract does not allow/);
  });
});
