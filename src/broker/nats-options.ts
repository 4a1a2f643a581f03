/** One set of NATS connection options, for Moleculer's transporter and the JetStream client alike. */
import { readFileSync } from "node:fs";
import { credsAuthenticator, type ConnectionOptions } from "nats";
import type { Config } from "../config.ts";

export function natsOptions(config: Pick<Config, "nats">): Partial<ConnectionOptions> {
  const { user, password, token, credsFile, tlsCaFile, tlsCertFile, tlsKeyFile } = config.nats;
  const tls = tlsCaFile || tlsCertFile ? { caFile: tlsCaFile, certFile: tlsCertFile, keyFile: tlsKeyFile } : undefined;
  return {
    ...(user ? { user, pass: password } : {}),
    ...(token ? { token } : {}),
    ...(credsFile ? { authenticator: credsAuthenticator(readFileSync(credsFile)) } : {}),
    ...(tls ? { tls } : {}),
  };
}
