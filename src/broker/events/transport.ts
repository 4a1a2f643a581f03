/**
 * How durable events travel from a publisher's outbox to each subscribing module. In one process
 * the relay hands them straight to the local subscribers; split over NATS they go through JetStream.
 * Either way delivery is at least once, and subscribers dedupe through their inbox.
 */
export interface EventEnvelope {
  id: string;
  /** `<module>.<entity>.<pastVerb>`. */
  name: string;
  payload: unknown;
  occurredAt: string;
  requestId: string | null;
}

/** The transport itself could not take the event (e.g. NATS is down): not the event's fault. */
export class TransportUnavailableError extends Error {
  override name = "TransportUnavailableError";
}

export type Delivery = (envelope: EventEnvelope) => Promise<void>;

export interface EventTransport {
  /** Resolves once the event is durably accepted for delivery (or, locally, delivered). */
  publish(envelope: EventEnvelope): Promise<void>;
  /** Delivers each event in `events` to `consumer` at least once, redelivering after a failure. */
  subscribe(consumer: string, events: string[], deliver: Delivery): Promise<void>;
  close(): Promise<void>;
}

/**
 * In one process: publishing delivers to every local subscriber of the event (at once), and fails
 * if any of them fails, so the relay keeps the event and tries again (those that succeeded dedupe it).
 */
export class LocalTransport implements EventTransport {
  readonly #subscribers = new Map<string, { consumer: string; deliver: Delivery }[]>();

  async publish(envelope: EventEnvelope): Promise<void> {
    const outcomes = await Promise.allSettled((this.#subscribers.get(envelope.name) ?? []).map(({ deliver }) => deliver(envelope)));
    const failed = outcomes.find((outcome) => outcome.status === "rejected");
    if (failed) throw failed.reason;
  }

  async subscribe(consumer: string, events: string[], deliver: Delivery): Promise<void> {
    for (const name of events) {
      const list = this.#subscribers.get(name) ?? [];
      list.push({ consumer, deliver });
      this.#subscribers.set(name, list);
    }
  }

  async close(): Promise<void> {
    this.#subscribers.clear();
  }
}
