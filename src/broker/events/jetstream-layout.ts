/**
 * What a deployment's JetStream holds: the events stream, the dead-letter stream, and one durable
 * consumer per subscribing module and event (one subject filter each, as NATS 2.9 allows). The
 * transport opens them, `npm run migrate` creates them, and the NATS permissions in deploy/ are made
 * from the same names, so that a module's NATS user reaches its own consumers and nothing else.
 */
import { AckPolicy, DeliverPolicy, nanos, RetentionPolicy, StorageType, type ConsumerConfig, type StreamConfig } from "nats";

/** How long an event not settled after delivery waits before it is delivered again (default). */
export const DEFAULT_ACK_WAIT_MS = 10_000;

export const eventsStream = (namespace: string) => `${namespace}_events`;
export const deadLetterStream = (namespace: string) => `${namespace}_dead_letters`;
export const eventSubject = (namespace: string, event: string) => `${namespace}.events.${event}`;
/** Where a consumer's dead letters go: `<namespace>.dead.<consumer>.<event>`. */
export const deadLetterSubject = (namespace: string, consumer: string, event: string) => `${namespace}.dead.${consumer}.${event}`;
/** The durable consumer through which `consumer` (a module) receives `event`. */
export const durableName = (consumer: string, event: string) => `${consumer}__${event.replaceAll(".", "-")}`;

/** Both streams: seven days of events, and a two-minute window in which a republished event is dropped. */
export function streamConfigs(namespace: string): Partial<StreamConfig>[] {
  const kept = { retention: RetentionPolicy.Limits, storage: StorageType.File, max_age: nanos(7 * 24 * 3600 * 1000), duplicate_window: nanos(2 * 60 * 1000) };
  return [
    { name: eventsStream(namespace), subjects: [`${namespace}.events.>`], ...kept },
    { name: deadLetterStream(namespace), subjects: [`${namespace}.dead.>`], ...kept },
  ];
}

export function consumerConfig(namespace: string, consumer: string, event: string, ackWaitMs = DEFAULT_ACK_WAIT_MS): Partial<ConsumerConfig> {
  return {
    durable_name: durableName(consumer, event),
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: eventSubject(namespace, event),
    // Unbounded on the server: JetStream would stop delivering an event whose deliveries ran out
    // through ack timeouts, and no one would hear of it. The transport counts deliveries instead,
    // and dead-letters an event delivered once too often, however its earlier deliveries ended.
    max_deliver: -1,
    // Handlers are short transactions; an event a dead instance was handling comes back after this.
    ack_wait: nanos(ackWaitMs),
  };
}

/** Whether what the server holds has every setting `wanted` names (it adds defaults of its own). */
export function hasSettings(actual: object, wanted: object): boolean {
  return Object.entries(wanted).every(([key, value]) => JSON.stringify((actual as Record<string, unknown>)[key]) === JSON.stringify(value));
}

/**
 * The JetStream rights of a module's NATS user: publish its own events and dead letters, read the
 * streams' and its own consumers' state, pull from and acknowledge its own consumers. Nothing that
 * creates, changes, purges or deletes a stream or a consumer.
 */
export function moduleJetStreamRights(namespace: string, module: string, events: string[]): string[] {
  const stream = eventsStream(namespace);
  return [
    "$JS.API.INFO",
    `$JS.API.STREAM.INFO.${stream}`,
    `$JS.API.STREAM.INFO.${deadLetterStream(namespace)}`,
    ...events.flatMap((event) => {
      const durable = durableName(module, event);
      return [`$JS.API.CONSUMER.INFO.${stream}.${durable}`, `$JS.API.CONSUMER.MSG.NEXT.${stream}.${durable}`, `$JS.ACK.${stream}.${durable}.>`];
    }),
    `${namespace}.events.${module}.>`,
    `${namespace}.dead.${module}.>`,
  ];
}

/** The rights `npm run migrate` needs to create and update both streams and every consumer. */
export function provisioningRights(namespace: string): string[] {
  const streams = [eventsStream(namespace), deadLetterStream(namespace)];
  return [
    "$JS.API.INFO",
    ...streams.flatMap((stream) => ["INFO", "CREATE", "UPDATE"].map((api) => `$JS.API.STREAM.${api}.${stream}`)),
    ...["INFO", "CREATE", "DURABLE.CREATE"].map((api) => `$JS.API.CONSUMER.${api}.${eventsStream(namespace)}.>`),
  ];
}
