/**
 * Durable events over NATS JetStream (jetstream-layout.ts says what it holds). Each subscribing
 * module pulls from its own durable consumers, shared by all its instances, with explicit acks and
 * bounded redelivery. An event that keeps failing goes to `<namespace>_dead_letters`, where it can
 * be inspected and redriven (`npm run dead-letters`).
 *
 * The streams and consumers are made by `npm run migrate` (provisionJetStream); a process makes
 * them itself only where its NATS user may, as on an open development server. In production a
 * module's user may use them and nothing more.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { connect, ConsumerEvents, type ConnectionOptions, headers, type ConsumerConfig, type ConsumerMessages, type JetStreamClient, type JetStreamManager, type JsMsg, type NatsConnection, type NatsError, type StreamConfig } from "nats";
import type { Logger } from "pino";
import { eventSeal, LEGACY_SIGNATURE_HEADER, type EventSeal } from "./event-seal.ts";
import { consumerConfig, deadLetterStream, deadLetterSubject, durableName, eventsStream, eventSubject, hasSettings, streamConfigs } from "./jetstream-layout.ts";
import { TransportUnavailableError, type Delivery, type EventEnvelope, type EventTransport } from "./transport.ts";

/** How long close() waits for events being handled: within a pod's grace period, with room to spare. */
const CLOSE_WAIT_MS = 5_000;
/** Events of one consumer being handled at once (and pulled ahead from the server). */
const IN_FLIGHT = 64;
/** Pause before a consumer whose pull failed is opened again. */
const REOPEN_DELAY_MS = 1_000;

export interface RedeliverySettings {
  /**
   * Deliveries of one event to one consumer before it is dead-lettered, however they ended: a
   * failure, or no answer within `ackWaitMs` (a hung handler, a killed process).
   */
  maxDeliver: number;
  /** Wait before the n-th redelivery; the last value repeats. */
  backoffMs: number[];
  /** An event not settled this long after delivery is delivered again (default 10 s). */
  ackWaitMs?: number;
}

export interface JetStreamSettings {
  url: string;
  namespace: string;
  log: Logger;
  /** Seals every published event (event-seal.ts); events that do not open are never handled. */
  secret: string;
  connection?: Partial<ConnectionOptions>;
  redelivery?: RedeliverySettings;
}

export const DEFAULT_REDELIVERY: RedeliverySettings = { maxDeliver: 8, backoffMs: [1_000, 2_000, 5_000, 10_000, 30_000, 60_000, 120_000] };

export class JetStreamTransport implements EventTransport {
  readonly redelivers = true;
  readonly #nc: NatsConnection;
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #namespace: string;
  readonly #log: Logger;
  readonly #redelivery: RedeliverySettings;
  readonly #seal: EventSeal;
  readonly #consumers = new Set<ConsumerMessages>();
  /** Events being handled, in every consumer: close() waits for them. */
  readonly #handling = new Set<Promise<void>>();
  #closed = false;

  private constructor(nc: NatsConnection, jsm: JetStreamManager, namespace: string, log: Logger, redelivery: RedeliverySettings, secret: string) {
    this.#nc = nc;
    this.#seal = eventSeal(secret, namespace);
    this.#redelivery = redelivery;
    this.#js = nc.jetstream();
    this.#jsm = jsm;
    this.#namespace = namespace;
    this.#log = log;
  }

  static async connect(settings: JetStreamSettings): Promise<JetStreamTransport> {
    const { url, namespace, log, secret, connection = {}, redelivery = DEFAULT_REDELIVERY } = settings;
    const nc = await connect({ ...connection, servers: url.split(","), name: `${namespace}-events`, maxReconnectAttempts: -1 });
    try {
      const jsm = await nc.jetstreamManager();
      for (const config of streamConfigs(namespace)) await ensureStream(jsm, config);
      return new JetStreamTransport(nc, jsm, namespace, log, redelivery, secret);
    } catch (error) {
      await nc.close();
      throw error;
    }
  }

  get streamName(): string {
    return eventsStream(this.#namespace);
  }

  get deadLetterStreamName(): string {
    return deadLetterStream(this.#namespace);
  }

  subjectOf(eventName: string): string {
    return eventSubject(this.#namespace, eventName);
  }

  async publish(envelope: EventEnvelope): Promise<void> {
    const data = this.#seal.seal(envelope);
    // For tools on the bus; subscribers trust only the sealed copy in the envelope.
    const h = envelope.traceParent ? headers() : undefined;
    if (envelope.traceParent) h?.set("traceparent", envelope.traceParent);
    try {
      // The message id lets JetStream drop a republished duplicate within its dedupe window.
      await this.#js.publish(this.subjectOf(envelope.name), data, { msgID: envelope.id, headers: h });
    } catch (error) {
      throw new TransportUnavailableError(`JetStream did not accept the event: ${(error as Error).message}`);
    }
  }

  async subscribe(consumer: string, events: string[], deliver: Delivery): Promise<void> {
    for (const event of events) await this.#consume(consumer, event, deliver);
  }

  async #consume(consumer: string, event: string, deliver: Delivery): Promise<void> {
    const durable = durableName(consumer, event);
    const config = consumerConfig(this.#namespace, consumer, event, this.#redelivery.ackWaitMs);
    const messages = await this.#open(durable, config);
    void this.#keepConsuming(messages, () => this.#open(durable, config), (message) => this.#handle(consumer, durable, message, deliver), durable);
  }

  /** Makes sure the durable consumer is as configured, and starts pulling from it. */
  async #open(durable: string, config: Partial<ConsumerConfig>): Promise<ConsumerMessages> {
    await ensureConsumer(this.#jsm, this.streamName, config);
    const messages = await (await this.#js.consumers.get(this.streamName, durable)).consume({ max_messages: IN_FLIGHT });
    this.#consumers.add(messages);
    // A pull from a consumer that is gone waits forever: end it, so that the consumer is made again.
    void (async () => {
      for await (const status of await messages.status()) {
        if (status.type === ConsumerEvents.ConsumerDeleted || status.type === ConsumerEvents.ConsumerNotFound) return messages.stop();
      }
    })();
    return messages;
  }

  /**
   * Hands each message to `handle`, several at once (so that the module can handle those that
   * arrive together in one transaction). Nothing ends the loop but close(): a failed handling is
   * logged and redelivered, and when the pull itself fails (the consumer was deleted, NATS lost its
   * state) the consumer is opened again.
   */
  async #keepConsuming(first: ConsumerMessages, reopen: () => Promise<ConsumerMessages>, handle: (message: JsMsg) => Promise<void>, durable: string): Promise<void> {
    let messages: ConsumerMessages | undefined = first;
    while (!this.#closed) {
      try {
        messages ??= await reopen();
        const inFlight = new Set<Promise<void>>();
        for await (const message of messages) {
          const handling: Promise<void> = handle(message)
            .catch((error) => this.#log.error({ err: error, consumer: durable }, "could not settle an event; JetStream redelivers it"))
            .finally(() => {
              inFlight.delete(handling);
              this.#handling.delete(handling);
            });
          inFlight.add(handling);
          this.#handling.add(handling);
          if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
        }
      } catch (error) {
        if (!this.#closed) this.#log.error({ err: error, consumer: durable }, "event consumer failed; opening it again");
      }
      if (messages) this.#consumers.delete(messages);
      messages = undefined;
      if (!this.#closed) await sleep(REOPEN_DELAY_MS);
    }
  }

  async #handle(consumer: string, durable: string, message: JsMsg, deliver: Delivery): Promise<void> {
    const envelope = this.#seal.open(message.data, message.headers?.get(LEGACY_SIGNATURE_HEADER));
    if (!envelope) {
      // Published by something that does not hold the deployment's secret: never handle it.
      this.#log.warn({ consumer: durable, subject: message.subject }, "dropped an event that does not open with the bus secret");
      message.term();
      return;
    }
    if (message.subject !== this.subjectOf(envelope.name)) {
      // Signed by a member, but published under another event's subject (where NATS lets that member publish).
      this.#log.warn({ consumer: durable, subject: message.subject, event: envelope.name }, "dropped an event published under a foreign subject");
      message.term();
      return;
    }
    const attempt = message.info.deliveryCount;
    const { maxDeliver, backoffMs } = this.#redelivery;
    if (attempt > maxDeliver) {
      // Every delivery so far timed out or died with its process: no handler will ever settle it.
      await this.#deadLetter(consumer, message, envelope, new Error(`not settled in ${maxDeliver} deliveries (timed out or its process died)`));
      message.term();
      return;
    }
    try {
      await deliver(envelope);
      message.ack();
    } catch (error) {
      if (attempt >= maxDeliver) {
        await this.#deadLetter(consumer, message, envelope, error);
        message.term();
      } else {
        const delayMs = backoffMs[Math.min(attempt - 1, backoffMs.length - 1)] ?? 1_000;
        this.#log.warn({ eventId: envelope.id, event: envelope.name, consumer, attempt, err: error, retryInMs: delayMs }, "event handling failed");
        message.nak(delayMs);
      }
    }
  }

  /**
   * Stops taking events, lets the ones being handled finish (and settle) for up to CLOSE_WAIT_MS,
   * then leaves NATS. One still running after that is redelivered elsewhere, as after a crash.
   */
  async close(): Promise<void> {
    this.#closed = true;
    for (const consumer of this.#consumers) consumer.stop();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(this.#handling), new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)))]);
    clearTimeout(timer);
    await this.#nc.drain();
  }

  /** Keeps the event's own sealed bytes, so a redrive can check them and send them on unchanged. */
  async #deadLetter(consumer: string, message: JsMsg, envelope: EventEnvelope, error: unknown): Promise<void> {
    const h = headers();
    const legacy = message.headers?.get(LEGACY_SIGNATURE_HEADER);
    if (legacy) h.set(LEGACY_SIGNATURE_HEADER, legacy);
    h.set("Bazaar-Consumer", consumer);
    h.set("Bazaar-Error", (error instanceof Error ? error.message : String(error)).slice(0, 500));
    await this.#js.publish(deadLetterSubject(this.#namespace, consumer, envelope.name), message.data, { headers: h });
    this.#log.error({ eventId: envelope.id, event: envelope.name, consumer }, "event dead-lettered");
  }
}

export interface ProvisionSettings {
  url: string;
  namespace: string;
  connection?: Partial<ConnectionOptions>;
  /** Each subscribing module and the events it subscribes to. */
  subscribers: { consumer: string; events: string[] }[];
}

/** Creates or updates both streams and every module's consumers: `npm run migrate`, as a user that may. */
export async function provisionJetStream({ url, namespace, connection = {}, subscribers }: ProvisionSettings): Promise<void> {
  const nc = await connect({ ...connection, servers: url.split(","), name: `${namespace}-migrate` });
  try {
    const jsm = await nc.jetstreamManager();
    for (const config of streamConfigs(namespace)) await ensureStream(jsm, config);
    for (const { consumer, events } of subscribers) {
      for (const event of events) await ensureConsumer(jsm, eventsStream(namespace), consumerConfig(namespace, consumer, event));
    }
  } finally {
    await nc.close();
  }
}

const isNotFound = (error: unknown) => (error as NatsError).api_error?.code === 404;

async function ensureStream(jsm: JetStreamManager, config: Partial<StreamConfig>): Promise<void> {
  const name = config.name as string;
  const info = await jsm.streams.info(name).catch((error: unknown) => (isNotFound(error) ? undefined : Promise.reject(error)));
  if (info && hasSettings(info.config, config)) return;
  await madeHere(`the stream ${name}`, () => (info ? jsm.streams.update(name, config) : jsm.streams.add(config)));
}

async function ensureConsumer(jsm: JetStreamManager, stream: string, config: Partial<ConsumerConfig>): Promise<void> {
  const durable = config.durable_name as string;
  const info = await jsm.consumers.info(stream, durable).catch((error: unknown) => (isNotFound(error) ? undefined : Promise.reject(error)));
  if (info && hasSettings(info.config, config)) return;
  await madeHere(`the consumer ${durable}`, () => (info ? jsm.consumers.update(stream, durable, config) : jsm.consumers.add(stream, config)));
}

/** Runs a change a production NATS user is not allowed; its failure says what to run instead. */
async function madeHere(what: string, change: () => Promise<unknown>): Promise<void> {
  try {
    await change();
  } catch (error) {
    throw new Error(`${what} is missing or not as configured, and this NATS user may not change it (${(error as Error).message}): run \`npm run migrate\` with NATS_URL, as a NATS user that may (deploy/nats: ops)`);
  }
}
