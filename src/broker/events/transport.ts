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
  /** The W3C `traceparent` of the change that staged the event, when it was traced. */
  traceParent?: string;
}

/** The transport itself could not take the event (e.g. NATS is down): not the event's fault. */
export class TransportUnavailableError extends Error {
  override name = "TransportUnavailableError";
}

export type Delivery = (envelope: EventEnvelope) => Promise<void>;

/** Best-effort notice of events as they are published, for a node's caches: nothing durable waits on it. */
export interface EventObserver {
  /** Calls `listener` for every event of these names published from now on. */
  observe(events: string[], listener: (envelope: EventEnvelope) => void): Promise<void>;
  /** Calls `listener` whenever notices may have been missed (the connection to the bus dropped). */
  onGap(listener: () => void): void;
  close(): Promise<void>;
}

export interface EventTransport {
  /**
   * Whether the transport keeps each subscriber's failed deliveries itself and delivers them again
   * (JetStream's durable consumers). Where it does not, each subscriber keeps its own (retries.ts).
   */
  readonly redelivers: boolean;
  /** Resolves once the event is durably accepted for delivery (or, locally, delivered). */
  publish(envelope: EventEnvelope): Promise<void>;
  /** Delivers each event in `events` to `consumer` at least once, redelivering after a failure. */
  subscribe(consumer: string, events: string[], deliver: Delivery): Promise<void>;
  close(): Promise<void>;
}

/**
 * In one process: publishing delivers to every local subscriber of the event (at once), and fails
 * if any of them fails, so the relay keeps the event and tries again (those that succeeded dedupe
 * it). A module's subscribers never fail it: they keep a delivery that failed for themselves
 * (retries.ts). Observers hear of each event as it is published; in one process they never miss one.
 */
export class LocalTransport implements EventTransport, EventObserver {
  readonly redelivers = false;
  readonly #subscribers = new Map<string, { consumer: string; deliver: Delivery }[]>();
  readonly #observers = new Map<string, ((envelope: EventEnvelope) => void)[]>();

  async publish(envelope: EventEnvelope): Promise<void> {
    for (const listener of this.#observers.get(envelope.name) ?? []) listener(envelope);
    const outcomes = await Promise.allSettled((this.#subscribers.get(envelope.name) ?? []).map(({ deliver }) => deliver(envelope)));
    const failed = outcomes.find((outcome) => outcome.status === "rejected");
    if (failed) throw failed.reason;
  }

  async observe(events: string[], listener: (envelope: EventEnvelope) => void): Promise<void> {
    for (const name of events) this.#observers.set(name, [...(this.#observers.get(name) ?? []), listener]);
  }

  onGap(): void {}

  async subscribe(consumer: string, events: string[], deliver: Delivery): Promise<void> {
    for (const name of events) {
      const list = this.#subscribers.get(name) ?? [];
      list.push({ consumer, deliver });
      this.#subscribers.set(name, list);
    }
  }

  async close(): Promise<void> {
    this.#subscribers.clear();
    this.#observers.clear();
  }
}
