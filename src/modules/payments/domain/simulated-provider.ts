/**
 * Stands in for a real payment provider. The token decides the answer: `tok_declined` is declined,
 * `tok_unavailable` fails transiently every time, any other `tok_…` is captured, with
 * PAYMENTS_LATENCY_MS of delay and PAYMENTS_FAILURE_RATE of transient failures on top.
 *
 * Like a real provider, it takes an idempotency key with every charge and refund (the payment's
 * id) and keeps its books by that key: asked again, after a slow answer or a worker that died
 * before it wrote the answer down, it answers what it answered the first time and charges nothing
 * more. A transient failure charges nothing, so it is not written down.
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

/** The provider's books: `record` keeps the first outcome for a key and answers the one kept. */
export interface ProviderLedger {
  record(key: string, kind: "charge" | "refund", outcome: string): Promise<string>;
}

export class SimulatedProvider {
  readonly #settings: ProviderSettings;
  readonly #ledger: ProviderLedger;
  readonly #random: () => number;

  constructor(settings: ProviderSettings, ledger: ProviderLedger, random: () => number = Math.random) {
    this.#settings = settings;
    this.#ledger = ledger;
    this.#random = random;
  }

  async charge(idempotencyKey: string, token: string): Promise<ChargeOutcome> {
    await this.#respond(token);
    return (await this.#ledger.record(idempotencyKey, "charge", token === "tok_declined" ? "declined" : "captured")) as ChargeOutcome;
  }

  async refund(idempotencyKey: string, token: string): Promise<void> {
    await this.#respond(token);
    await this.#ledger.record(idempotencyKey, "refund", "refunded");
  }

  async #respond(token: string): Promise<void> {
    if (this.#settings.latencyMs > 0) await sleep(this.#settings.latencyMs);
    if (token === "tok_unavailable") throw new TransientProviderError("the provider is unavailable");
    if (this.#random() < this.#settings.failureRate) throw new TransientProviderError("the provider failed transiently");
  }
}
