import { describe, expect, it } from "vitest";
import { SimulatedProvider, TransientProviderError } from "./simulated-provider.ts";

describe("SimulatedProvider", () => {
  const provider = new SimulatedProvider({ latencyMs: 0, failureRate: 0 });

  it("captures any tok_ token but the special ones", async () => {
    expect(await provider.charge("tok_visa")).toBe("captured");
    expect(await provider.charge("tok_declined")).toBe("declined");
  });

  it("fails transiently for tok_unavailable, every time", async () => {
    await expect(provider.charge("tok_unavailable")).rejects.toBeInstanceOf(TransientProviderError);
    await expect(provider.refund("tok_unavailable")).rejects.toBeInstanceOf(TransientProviderError);
  });

  it("fails transiently at the configured rate", async () => {
    const flaky = new SimulatedProvider({ latencyMs: 0, failureRate: 0.5 }, () => 0.4);
    const fine = new SimulatedProvider({ latencyMs: 0, failureRate: 0.5 }, () => 0.6);
    await expect(flaky.charge("tok_visa")).rejects.toBeInstanceOf(TransientProviderError);
    expect(await fine.charge("tok_visa")).toBe("captured");
  });
});
