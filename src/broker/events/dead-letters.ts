/**
 * The dead-letter stream, for operators: list what could not be handled, and redrive it once the
 * cause is fixed. A redriven event goes to every subscriber of its name again; those that handled it
 * before find it in their inbox and skip it.
 */
import { connect, headers, type ConnectionOptions, type JetStreamClient, type JetStreamManager, type NatsConnection } from "nats";
import { eventSeal, LEGACY_SIGNATURE_HEADER, type EventSeal } from "./event-seal.ts";
import { deadLetterStream, deadLetterSubject, eventSubject } from "./jetstream-layout.ts";
import type { EventEnvelope } from "./transport.ts";

export interface DeadLetter {
  sequence: number;
  consumer: string;
  error: string;
  /** The event's name, as its subject says. */
  event: string;
  /** The event, when it opens with the deployment's secret (only those are redriven). */
  envelope: EventEnvelope | undefined;
  /** The event's bytes as first published (and, for an event of the release before sealing, its signature). */
  data: Uint8Array;
  legacySignature: string | undefined;
}

/** Where the stream is: NATS_URL, the bus namespace, the process's NATS credentials (nats-options.ts), and BUS_SECRET. */
export interface StreamAt {
  natsUrl: string;
  namespace: string;
  secret: string;
  connection?: Partial<ConnectionOptions>;
}

type Api = { nc: NatsConnection; js: JetStreamClient; jsm: JetStreamManager; stream: string; namespace: string; seal: EventSeal };

/**
 * The stream, through one NATS connection opened on first use and kept (nats.js reconnects it), for
 * a process that looks often: the console polls it every 2 s. Closed with the process.
 */
export class DeadLetterStream {
  readonly #at: StreamAt;
  #api: Promise<Api> | undefined;

  constructor(at: StreamAt) {
    this.#at = at;
  }

  /** The dead letters in the stream, oldest first; with `last`, only the last that many. */
  async list(last = Infinity): Promise<{ total: number; letters: DeadLetter[] }> {
    const api = await this.#open();
    const info = await api.jsm.streams.info(api.stream);
    const letters: DeadLetter[] = [];
    for (let sequence = info.state.last_seq; sequence >= info.state.first_seq && info.state.messages > 0 && letters.length < last; sequence--) {
      const letter = await letterAt(api, sequence);
      if (letter) letters.unshift(letter);
    }
    return { total: info.state.messages, letters };
  }

  /**
   * Publishes each dead letter (or only the one at `sequence`) as a fresh delivery of its event, then
   * removes it. Only letters whose event opens with the deployment's secret go, as their own sealed
   * bytes: the redrive never seals what nobody checked. The refused stay, for a look.
   */
  async redrive(sequence?: number): Promise<{ redriven: number; refused: number }> {
    const api = await this.#open();
    const { js, jsm, stream, namespace } = api;
    const letters = sequence === undefined ? (await this.list()).letters : [await letterAt(api, sequence)].filter((l) => l !== undefined);
    let redriven = 0;
    for (const letter of letters) {
      if (!letter.envelope) continue;
      const h = letter.legacySignature ? headers() : undefined;
      if (letter.legacySignature) h?.set(LEGACY_SIGNATURE_HEADER, letter.legacySignature);
      // A new message id: the original is inside JetStream's dedupe window or long gone from it.
      await js.publish(eventSubject(namespace, letter.envelope.name), letter.data, { msgID: `${letter.envelope.id}:redrive:${letter.sequence}`, headers: h });
      await jsm.streams.deleteMessage(stream, letter.sequence);
      redriven++;
    }
    return { redriven, refused: letters.length - redriven };
  }

  async close(): Promise<void> {
    const api = await this.#api?.catch(() => undefined);
    this.#api = undefined;
    await api?.nc.close();
  }

  #open(): Promise<Api> {
    if (this.#api) return this.#api;
    const { natsUrl, namespace, secret, connection } = this.#at;
    const api = (async () => {
      const nc = await connect({ ...connection, servers: natsUrl.split(",") });
      return { nc, js: nc.jetstream(), jsm: await nc.jetstreamManager(), stream: deadLetterStream(namespace), namespace, seal: eventSeal(secret, namespace) };
    })();
    this.#api = api;
    // A connection that could not be made is tried again on the next look.
    api.catch(() => {
      if (this.#api === api) this.#api = undefined;
    });
    return api;
  }
}

/** For a tool that looks once: connects, lists, disconnects. */
export function listDeadLetters(at: StreamAt, last = Infinity): Promise<{ total: number; letters: DeadLetter[] }> {
  return once(at, (stream) => stream.list(last));
}

/** For a tool that redrives once: see DeadLetterStream.redrive. */
export function redriveDeadLetters(at: StreamAt, sequence?: number): Promise<{ redriven: number; refused: number }> {
  return once(at, (stream) => stream.redrive(sequence));
}

async function once<T>(at: StreamAt, work: (stream: DeadLetterStream) => Promise<T>): Promise<T> {
  const stream = new DeadLetterStream(at);
  try {
    return await work(stream);
  } finally {
    await stream.close();
  }
}

async function letterAt({ jsm, stream, namespace, seal }: Api, sequence: number): Promise<DeadLetter | undefined> {
  const message = await jsm.streams.getMessage(stream, { seq: sequence }).catch(() => undefined);
  if (!message) return undefined;
  const consumer = message.header?.get("Bazaar-Consumer") ?? "";
  const legacySignature = message.header?.get(LEGACY_SIGNATURE_HEADER) || undefined;
  return {
    sequence,
    consumer,
    error: message.header?.get("Bazaar-Error") ?? "",
    event: message.subject.slice(deadLetterSubject(namespace, consumer, "").length),
    envelope: seal.open(message.data, legacySignature),
    data: message.data,
    legacySignature,
  };
}
