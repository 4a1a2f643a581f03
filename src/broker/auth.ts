/**
 * Access tokens: EdDSA JWTs. Only the identity module signs; every module verifies the caller's
 * token itself, because an identity that merely sits in a call's `meta` could have been forged by
 * any process on the bus.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { mkdir, readFile, link, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { calculateJwkThumbprint, createLocalJWKSet, exportJWK, jwtVerify, SignJWT, type JWK } from "jose";
import type { Config } from "../config.ts";

export type Role = "customer" | "admin";

/** The caller as proven by a verified access token. */
export interface AuthUser {
  id: string;
  roles: Role[];
}

const ISSUER = "bazaar";
const AUDIENCE = "bazaar";
const ALGORITHM = "EdDSA";

interface KeyFile {
  privateKeyPem: string;
  publicKeyPem: string;
}

export class AuthKeys {
  readonly #signingKey: KeyObject | undefined;
  readonly #signingKid: string | undefined;
  readonly #jwks: { keys: JWK[] };
  readonly #verify: ReturnType<typeof createLocalJWKSet>;
  readonly #ttlS: number;

  private constructor(signing: { key: KeyObject; kid: string } | undefined, jwks: JWK[], ttlS: number) {
    this.#signingKey = signing?.key;
    this.#signingKid = signing?.kid;
    this.#jwks = { keys: jwks };
    this.#verify = createLocalJWKSet(this.#jwks);
    this.#ttlS = ttlS;
  }

  /** Keys from the environment, or in development ones generated once under the data dir. */
  static async load(config: Config): Promise<AuthKeys> {
    let privateKeyPem = config.auth.privateKeyPem;
    let publicKeyPems = config.auth.publicKeyPems;
    if (privateKeyPem && publicKeyPems.length === 0) {
      publicKeyPems = [createPublicKey(privateKeyPem).export({ type: "spki", format: "pem" }).toString()];
    }
    if (config.env !== "production" && !privateKeyPem && publicKeyPems.length === 0) {
      const generated = await developmentKeys(config.dataDir);
      privateKeyPem = generated.privateKeyPem;
      publicKeyPems = [generated.publicKeyPem];
    }
    const jwks = await Promise.all(publicKeyPems.map((pem) => publicJwk(createPublicKey(pem))));
    let signing: { key: KeyObject; kid: string } | undefined;
    if (privateKeyPem) {
      const key = createPrivateKey(privateKeyPem);
      const kid = (await publicJwk(createPublicKey(key))).kid as string;
      if (!jwks.some((jwk) => jwk.kid === kid)) throw new Error("AUTH_PUBLIC_KEYS does not include the public half of AUTH_PRIVATE_KEY");
      signing = { key, kid };
    }
    return new AuthKeys(signing, jwks, config.auth.accessTokenTtlS);
  }

  /** The public keys, as served at /.well-known/jwks.json. */
  jwks(): { keys: JWK[] } {
    return this.#jwks;
  }

  async sign(user: AuthUser): Promise<{ accessToken: string; expiresIn: number }> {
    if (!this.#signingKey) throw new Error("this process holds no signing key");
    const accessToken = await new SignJWT({ roles: user.roles })
      .setProtectedHeader({ alg: ALGORITHM, kid: this.#signingKid, typ: "JWT" })
      .setSubject(user.id)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${this.#ttlS}s`)
      .sign(this.#signingKey);
    return { accessToken, expiresIn: this.#ttlS };
  }

  /** The token's user, or null for a malformed, expired, forged or unknown-key token. */
  async verify(token: string): Promise<AuthUser | null> {
    try {
      const { payload } = await jwtVerify(token, this.#verify, {
        algorithms: [ALGORITHM],
        issuer: ISSUER,
        audience: AUDIENCE,
        requiredClaims: ["sub", "exp"],
      });
      const roles = payload.roles;
      if (!Array.isArray(roles) || !roles.every((role) => role === "customer" || role === "admin")) return null;
      return { id: payload.sub as string, roles };
    } catch {
      return null;
    }
  }
}

async function publicJwk(key: KeyObject): Promise<JWK> {
  const jwk = await exportJWK(key);
  return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: ALGORITHM, use: "sig" };
}

/**
 * Generates the development key pair once. Processes started together race here, so the file is
 * written aside and hard-linked into place: exactly one link wins and everyone reads the winner.
 */
async function developmentKeys(dataDir: string): Promise<KeyFile> {
  const dir = path.join(dataDir, "keys");
  const file = path.join(dir, "auth-ed25519.json");
  try {
    return JSON.parse(await readFile(file, "utf8")) as KeyFile;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const pair = generateKeyPairSync("ed25519");
  const keys: KeyFile = {
    privateKeyPem: pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKeyPem: pair.publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temp, JSON.stringify(keys), { mode: 0o600 });
  try {
    await link(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    await unlink(temp);
  }
  return JSON.parse(await readFile(file, "utf8")) as KeyFile;
}
