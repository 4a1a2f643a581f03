/** One set of NATS connection options, for Moleculer's transporter and the JetStream client alike. */
import { readFileSync } from "node:fs";
import { credsAuthenticator, type ConnectionOptions } from "nats";
import type { Config } from "../config.ts";

/**
 * Where a NATS user's request replies (JetStream's answers, pulled events) arrive: a prefix of its
 * own, so that the server can let each user subscribe to its own replies and no one else's.
 */
export const inboxPrefixOf = (user: string) => `_INBOX_${user}`;

/** Moleculer's broadcast packets, which every node hears; all its other packets name their node. */
const BROADCASTS = ["DISCOVER", "INFO", "HEARTBEAT", "DISCONNECT", "PING"];

/**
 * The bus subjects a node of `owner` (its NATS user, or with none the modules it runs) may hear:
 * the broadcasts, and packets addressed to a node whose id starts with `<owner>.` (see
 * createBroker). So the server can keep every user from hearing the calls and answers of another.
 */
export const busSubjectsHeardBy = (namespace: string, owner: string) => [...BROADCASTS.map((cmd) => `MOL-${namespace}.${cmd}`), `MOL-${namespace}.*.${owner}.>`];

/** Who a process is on the bus: its NATS user, or with none the modules it runs ("gateway" for none). */
export function busOwner(config: Pick<Config, "nats" | "modules">): string {
  return config.nats.user ?? (config.modules.length > 0 ? config.modules.join("+") : "gateway");
}

export function natsOptions(config: Pick<Config, "nats">): Partial<ConnectionOptions> {
  const { user, password, token, credsFile, tlsCaFile, tlsCertFile, tlsKeyFile, tls: required } = config.nats;
  // Any tls option makes nats.js refuse a server that offers no TLS.
  const tls = tlsCaFile || tlsCertFile || required ? { caFile: tlsCaFile, certFile: tlsCertFile, keyFile: tlsKeyFile } : undefined;
  return {
    ...(user ? { user, pass: password, inboxPrefix: inboxPrefixOf(user) } : {}),
    ...(token ? { token } : {}),
    ...(credsFile ? { authenticator: credsAuthenticator(readFileSync(credsFile)) } : {}),
    ...(tls ? { tls } : {}),
  };
}
