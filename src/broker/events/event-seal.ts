/**
 * Durable events cross NATS and rest in JetStream for days, with order and payment data inside.
 * Each is sealed with AES-256-GCM under a key derived from the deployment's bus secret (its own key,
 * apart from the bus packets'), with the namespace authenticated alongside: whoever can read the
 * stream sees only ciphertext, and an event that does not open (forged, altered, or sealed for
 * another namespace sharing the secret) is never handled, observed or redriven.
 *
 * Events of the release before sealing (plain JSON with an HMAC in `Bazaar-Signature`) still open
 * when their signature verifies, so that events in flight across the upgrade are not lost.
 */
import { createCipheriv, createDecipheriv, createHmac, createSecretKey, hkdfSync, timingSafeEqual } from "node:crypto";
import { defenceOff } from "../defences.ts";
import { ivSequence } from "../middlewares/seal-packets.ts";
import type { EventEnvelope } from "./transport.ts";

/** The header in which events of the release before sealing carried their HMAC. */
export const LEGACY_SIGNATURE_HEADER = "Bazaar-Signature";

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const OPEN_BRACE = 0x7b;

export interface EventSeal {
  seal(envelope: EventEnvelope): Uint8Array;
  /** The event, or undefined when `data` does not open with this deployment's key. */
  open(data: Uint8Array, legacySignature?: string): EventEnvelope | undefined;
}

export function eventSeal(secret: string, namespace: string): EventSeal {
  if (defenceOff("event-sealing")) return inClear;
  const key = createSecretKey(Buffer.from(hkdfSync("sha256", Buffer.from(secret, "utf8"), "bazaar", "durable events", 32)));
  const additional = Buffer.from(namespace, "utf8");
  const nextIv = ivSequence();
  return {
    seal(envelope) {
      const iv = nextIv();
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      cipher.setAAD(additional);
      return Buffer.concat([Buffer.of(VERSION), iv, cipher.update(JSON.stringify(envelope), "utf8"), cipher.final(), cipher.getAuthTag()]);
    },
    open(data, legacySignature) {
      const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      if (bytes[0] === OPEN_BRACE) return legacySignature && verifiesLegacy(secret, bytes, legacySignature) ? (JSON.parse(bytes.toString("utf8")) as EventEnvelope) : undefined;
      if (bytes[0] !== VERSION || bytes.length < 1 + IV_BYTES + TAG_BYTES) return undefined;
      const decipher = createDecipheriv("aes-256-gcm", key, bytes.subarray(1, 1 + IV_BYTES));
      decipher.setAAD(additional);
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      try {
        const plain = Buffer.concat([decipher.update(bytes.subarray(1 + IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]);
        return JSON.parse(plain.toString("utf8")) as EventEnvelope;
      } catch {
        return undefined;
      }
    },
  };
}

/** What events would be without sealing: for `npm run test:defences` only (defences.ts). */
const inClear: EventSeal = {
  seal: (envelope) => Buffer.from(JSON.stringify(envelope), "utf8"),
  open(data) {
    try {
      return JSON.parse(Buffer.from(data).toString("utf8")) as EventEnvelope;
    } catch {
      return undefined;
    }
  },
};

function verifiesLegacy(secret: string, data: Buffer, signature: string): boolean {
  const expected = Buffer.from(createHmac("sha256", secret).update(data).digest("base64"));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
