/**
 * Events as NATS carries them to JetStream, heard on plain subscriptions: a node that keeps copies
 * of answers (read-cache.ts) learns of changes without a durable consumer, so a gateway needs no
 * JetStream rights. Only events sealed with the deployment's secret count; after any interruption
 * of the connection, listeners are told they may have missed some.
 */
import { connect, type ConnectionOptions, type NatsConnection } from "nats";
import type { Logger } from "pino";
import { eventSeal, LEGACY_SIGNATURE_HEADER, type EventSeal } from "./event-seal.ts";
import { eventSubject } from "./jetstream-layout.ts";
import type { EventEnvelope, EventObserver } from "./transport.ts";

export class NatsEventObserver implements EventObserver {
  readonly #nc: NatsConnection;
  readonly #namespace: string;
  readonly #seal: EventSeal;
  readonly #log: Logger;
  readonly #gaps: (() => void)[] = [];

  private constructor(nc: NatsConnection, namespace: string, secret: string, log: Logger) {
    this.#nc = nc;
    this.#namespace = namespace;
    this.#seal = eventSeal(secret, namespace);
    this.#log = log;
    void (async () => {
      for await (const status of nc.status()) {
        if (status.type === "disconnect" || status.type === "reconnect" || status.type === "error") for (const gap of this.#gaps) gap();
      }
    })();
  }

  static async connect(settings: { url: string; namespace: string; secret: string; log: Logger; connection?: Partial<ConnectionOptions> }): Promise<NatsEventObserver> {
    const nc = await connect({ ...settings.connection, servers: settings.url.split(","), name: `${settings.namespace}-observer`, maxReconnectAttempts: -1 });
    return new NatsEventObserver(nc, settings.namespace, settings.secret, settings.log);
  }

  async observe(events: string[], listener: (envelope: EventEnvelope) => void): Promise<void> {
    for (const name of events) {
      const subject = eventSubject(this.#namespace, name);
      this.#nc.subscribe(subject, {
        callback: (error, message) => {
          if (error) {
            this.#log.warn({ err: error, subject }, "event notices interrupted");
            for (const gap of this.#gaps) gap();
            return;
          }
          const envelope = this.#seal.open(message.data, message.headers?.get(LEGACY_SIGNATURE_HEADER));
          if (envelope?.name === name) listener(envelope);
        },
      });
    }
    await this.#nc.flush();
  }

  onGap(listener: () => void): void {
    this.#gaps.push(listener);
  }

  async close(): Promise<void> {
    await this.#nc.drain();
  }
}
