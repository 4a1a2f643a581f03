/** One set of NATS connection options, for Moleculer's transporter and the JetStream client alike. */
import { readFileSync } from "node:fs";
import { credsAuthenticator, type ConnectionOptions } from "nats";
import type { Config } from "../config.ts";

/**
 * Where a NATS user's request replies (JetStream's answers, pulled events) arrive: a prefix of its
 * own, so that the server can let each user subscribe to its own replies and no one else's.
 */
export const inboxPrefixOf = (user: string) => `_INBOX_${user}`;

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
