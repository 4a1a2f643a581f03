import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { SimulatedProvider, TransientProviderError, type ProviderLedger } from "./simulated-provider.ts";

/** The provider's books in memory: what each key was answered, and how often it was asked to record. */
function memoryLedger(): ProviderLedger & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return {
    entries,
    async record(key, kind, outcome) {
      const id = `${kind}:${key}`;
      if (!entries.has(id)) entries.set(id, outcome);
      return entries.get(id) as string;
    },
  };
}

describe("SimulatedProvider", () => {
  const provider = new SimulatedProvider({ latencyMs: 0, failureRate: 0 }, memoryLedger());

  it("captures any tok_ token but the special ones", async () => {
    expect(await provider.charge(randomUUID(), "tok_visa")).toBe("captured");
    expect(await provider.charge(randomUUID(), "tok_declined")).toBe("declined");
  });

  it("fails transiently for tok_unavailable, every time, and books nothing", async () => {
    const ledger = memoryLedger();
    const unavailable = new SimulatedProvider({ latencyMs: 0, failureRate: 0 }, ledger);
    await expect(unavailable.charge(randomUUID(), "tok_unavailable")).rejects.toBeInstanceOf(TransientProviderError);
    await expect(unavailable.refund(randomUUID(), "tok_unavailable")).rejects.toBeInstanceOf(TransientProviderError);
    expect(ledger.entries.size).toBe(0);
  });

  it("fails transiently at the configured rate", async () => {
    const flaky = new SimulatedProvider({ latencyMs: 0, failureRate: 0.5 }, memoryLedger(), () => 0.4);
    const fine = new SimulatedProvider({ latencyMs: 0, failureRate: 0.5 }, memoryLedger(), () => 0.6);
    await expect(flaky.charge(randomUUID(), "tok_visa")).rejects.toBeInstanceOf(TransientProviderError);
    expect(await fine.charge(randomUUID(), "tok_visa")).toBe("captured");
  });

  it("books one charge and one refund per idempotency key, however often it is asked", async () => {
    const ledger = memoryLedger();
    const books = new SimulatedProvider({ latencyMs: 0, failureRate: 0 }, ledger);
    const key = randomUUID();
    for (let i = 0; i < 3; i++) expect(await books.charge(key, "tok_visa")).toBe("captured");
    await books.refund(key, "tok_visa");
    await books.refund(key, "tok_visa");
    expect([...ledger.entries]).toEqual([
      [`charge:${key}`, "captured"],
      [`refund:${key}`, "refunded"],
    ]);
  });
});
