/**
 * The dead-letter stream, for operators: list what could not be handled, and redrive it once the
 * cause is fixed. A redriven event goes to every subscriber of its name again; those that handled it
 * before find it in their inbox and skip it.
 */
import { connect, headers, JSONCodec, type ConnectionOptions } from "nats";
import { SIGNATURE_HEADER, signatureOf } from "./jetstream-transport.ts";
import type { EventEnvelope } from "./transport.ts";

const codec = JSONCodec<EventEnvelope>();

export interface DeadLetter {
  sequence: number;
  consumer: string;
  error: string;
  envelope: EventEnvelope;
}

/** Where the stream is: NATS_URL, the bus namespace, and the process's NATS credentials (nats-options.ts). */
export interface StreamAt {
  natsUrl: string;
  namespace: string;
  connection?: Partial<ConnectionOptions>;
}

async function withStream<T>(at: StreamAt, work: (api: Awaited<ReturnType<typeof open>>) => Promise<T>): Promise<T> {
  const api = await open(at);
  try {
    return await work(api);
  } finally {
    await api.nc.close();
  }
}

async function open({ natsUrl, namespace, connection }: StreamAt) {
  const nc = await connect({ ...connection, servers: natsUrl.split(",") });
  return { nc, js: nc.jetstream(), jsm: await nc.jetstreamManager(), stream: `${namespace}_dead_letters`, namespace };
}

/** The dead letters in the stream, oldest first; with `last`, only the last that many. */
export function listDeadLetters(at: StreamAt, last = Infinity): Promise<{ total: number; letters: DeadLetter[] }> {
  return withStream(at, async ({ jsm, stream }) => {
    const info = await jsm.streams.info(stream);
    const letters: DeadLetter[] = [];
    for (let sequence = info.state.last_seq; sequence >= info.state.first_seq && info.state.messages > 0 && letters.length < last; sequence--) {
      const message = await jsm.streams.getMessage(stream, { seq: sequence }).catch(() => undefined);
      if (!message) continue;
      letters.unshift({
        sequence,
        consumer: message.header?.get("Bazaar-Consumer") ?? "",
        error: message.header?.get("Bazaar-Error") ?? "",
        envelope: codec.decode(message.data),
      });
    }
    return { total: info.state.messages, letters };
  });
}

/**
 * Publishes each dead letter (or only the one at `sequence`) as a fresh delivery of its event,
 * then removes it; returns how many.
 */
export function redriveDeadLetters(at: StreamAt, secret: string, sequence?: number): Promise<number> {
  return withStream(at, async ({ js, jsm, stream, namespace }) => {
    const { letters: all } = await listDeadLetters(at);
    const letters = sequence === undefined ? all : all.filter((letter) => letter.sequence === sequence);
    for (const letter of letters) {
      // A new message id: the original is inside JetStream's dedupe window or long gone from it.
      const data = codec.encode(letter.envelope);
      const h = headers();
      h.set(SIGNATURE_HEADER, signatureOf(secret, data));
      await js.publish(`${namespace}.events.${letter.envelope.name}`, data, { msgID: `${letter.envelope.id}:redrive:${letter.sequence}`, headers: h });
      await jsm.streams.deleteMessage(stream, letter.sequence);
    }
    return letters.length;
  });
}

