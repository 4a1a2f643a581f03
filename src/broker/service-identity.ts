/**
 * Which module is calling, proven rather than claimed. Module processes hold SERVICE_SECRET (the
 * gateway does not), and every module-to-module call carries a token binding the calling module
 * to the action, its params and the time. An internal action accepts nothing else, so neither an
 * end user through the gateway nor the gateway itself can invoke it.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { defenceOff } from "./defences.ts";

const MAX_AGE_MS = 30_000;

function digest(secret: string, module: string, action: string, params: unknown, time: number): string {
  const body = createHash("sha256").update(JSON.stringify(params ?? {})).digest("base64url");
  return createHmac("sha256", secret).update(`${module}\n${action}\n${body}\n${time}`).digest("base64url");
}

const IDENTITY_OFF = defenceOff("service-identity");

export function serviceToken(secret: string, module: string, action: string, params: unknown): string {
  const time = Date.now();
  return `${module}.${time}.${digest(secret, module, action, params, time)}`;
}

/** The calling module, or null when the token is missing, forged, stale or made for another call. */
export function verifyServiceToken(secret: string, token: unknown, action: string, params: unknown): string | null {
  if (typeof token !== "string") return null;
  const match = /^([a-z][a-z0-9-]*)\.(\d{13})\.([\w-]{43})$/.exec(token);
  if (!match) return null;
  const [, module, timeText, given] = match as unknown as [string, string, string, string];
  if (IDENTITY_OFF) return module;
  const time = Number(timeText);
  if (Math.abs(Date.now() - time) > MAX_AGE_MS) return null;
  const expected = Buffer.from(digest(secret, module, action, params, time));
  return timingSafeEqual(expected, Buffer.from(given)) ? module : null;
}
