/**
 * Stands in for a real payment provider. The token decides the answer (API.md): `tok_declined` is
 * declined, `tok_unavailable` fails transiently every time, any other `tok_…` is captured, with
 * PAYMENTS_LATENCY_MS of delay and PAYMENTS_FAILURE_RATE of transient failures on top.
 */
import { setTimeout as sleep } from "node:timers/promises";

export class TransientProviderError extends Error {
  override name = "TransientProviderError";
}

export type ChargeOutcome = "captured" | "declined";

export interface ProviderSettings {
  latencyMs: number;
  failureRate: number;
}

export class SimulatedProvider {
  readonly #settings: ProviderSettings;
  readonly #random: () => number;

  constructor(settings: ProviderSettings, random: () => number = Math.random) {
    this.#settings = settings;
    this.#random = random;
  }

  async charge(token: string): Promise<ChargeOutcome> {
    await this.#respond(token);
    return token === "tok_declined" ? "declined" : "captured";
  }

  async refund(token: string): Promise<void> {
    await this.#respond(token);
  }

  async #respond(token: string): Promise<void> {
    if (this.#settings.latencyMs > 0) await sleep(this.#settings.latencyMs);
    if (token === "tok_unavailable") throw new TransientProviderError("the provider is unavailable");
    if (this.#random() < this.#settings.failureRate) throw new TransientProviderError("the provider failed transiently");
  }
}
