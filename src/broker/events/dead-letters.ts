/**
 * The dead-letter stream, for operators: list what could not be handled, and redrive it once the
 * cause is fixed. A redriven event goes to every subscriber of its name again; those that handled it
 * before find it in their inbox and skip it.
 */
import { connect, headers, JSONCodec } from "nats";
import { SIGNATURE_HEADER, signatureOf } from "./jetstream-transport.ts";
import type { EventEnvelope } from "./transport.ts";

const codec = JSONCodec<EventEnvelope>();

export interface DeadLetter {
  sequence: number;
  consumer: string;
  error: string;
  envelope: EventEnvelope;
}

async function withStream<T>(natsUrl: string, namespace: string, work: (api: Awaited<ReturnType<typeof open>>) => Promise<T>): Promise<T> {
  const api = await open(natsUrl, namespace);
  try {
    return await work(api);
  } finally {
    await api.nc.close();
  }
}

async function open(natsUrl: string, namespace: string) {
  const nc = await connect({ servers: natsUrl.split(",") });
  return { nc, js: nc.jetstream(), jsm: await nc.jetstreamManager(), stream: `${namespace}_dead_letters`, namespace };
}

export function listDeadLetters(natsUrl: string, namespace: string): Promise<DeadLetter[]> {
  return withStream(natsUrl, namespace, async ({ jsm, stream }) => {
    const info = await jsm.streams.info(stream);
    const letters: DeadLetter[] = [];
    for (let sequence = info.state.first_seq; sequence <= info.state.last_seq && info.state.messages > 0; sequence++) {
      const message = await jsm.streams.getMessage(stream, { seq: sequence }).catch(() => undefined);
      if (!message) continue;
      letters.push({
        sequence,
        consumer: message.header?.get("Bazaar-Consumer") ?? "",
        error: message.header?.get("Bazaar-Error") ?? "",
        envelope: codec.decode(message.data),
      });
    }
    return letters;
  });
}

/** Publishes each dead letter as a fresh delivery of its event, then removes it; returns how many. */
export function redriveDeadLetters(natsUrl: string, namespace: string, secret: string): Promise<number> {
  return withStream(natsUrl, namespace, async ({ js, jsm, stream }) => {
    const letters = await listDeadLetters(natsUrl, namespace);
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

