/**
 * Access tokens: EdDSA JWTs. Only the identity module signs; every module verifies the caller's
 * token itself, because an identity that merely sits in a call's `meta` could have been forged by
 * any process on the bus.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { calculateJwkThumbprint, createLocalJWKSet, exportJWK, jwtVerify, SignJWT, type JWK } from "jose";
import type { Config } from "../config.ts";
import { developmentSecret } from "./secrets.ts";

export type Role = "customer" | "admin";

/** The caller as proven by a verified access token. */
export interface AuthUser {
  id: string;
  roles: Role[];
}

const ISSUER = "bazaar";
/** Verified tokens remembered per process, so a client's requests verify its token once. */
const VERIFIED_CACHE_SIZE = 10_000;
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
  readonly #verified = new Map<string, { user: AuthUser; expiresAtMs: number }>();

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

  /**
   * The token's user, or null for a malformed, expired, forged or unknown-key token. A token once
   * verified is remembered until it expires: its bytes cannot change, and the keys of a process do
   * not (an Ed25519 verification costs more than the rest of a product read).
   */
  async verify(token: string): Promise<AuthUser | null> {
    const known = this.#verified.get(token);
    if (known) {
      if (Date.now() < known.expiresAtMs) return known.user;
      this.#verified.delete(token);
    }
    const verified = await this.#verifySignature(token);
    if (!verified) return null;
    if (this.#verified.size >= VERIFIED_CACHE_SIZE) this.#verified.delete(this.#verified.keys().next().value as string);
    this.#verified.set(token, verified);
    return verified.user;
  }

  async #verifySignature(token: string): Promise<{ user: AuthUser; expiresAtMs: number } | null> {
    try {
      const { payload } = await jwtVerify(token, this.#verify, {
        algorithms: [ALGORITHM],
        issuer: ISSUER,
        audience: AUDIENCE,
        requiredClaims: ["sub", "exp"],
      });
      const roles = payload.roles;
      if (!Array.isArray(roles) || !roles.every((role) => role === "customer" || role === "admin")) return null;
      return { user: { id: payload.sub as string, roles }, expiresAtMs: (payload.exp as number) * 1000 };
    } catch {
      return null;
    }
  }
}

async function publicJwk(key: KeyObject): Promise<JWK> {
  const jwk = await exportJWK(key);
  return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: ALGORITHM, use: "sig" };
}

/** The development key pair, generated once under the data dir (see secrets.ts). */
async function developmentKeys(dataDir: string): Promise<KeyFile> {
  const text = await developmentSecret(dataDir, "auth-ed25519.json", () => {
    const pair = generateKeyPairSync("ed25519");
    return JSON.stringify({
      privateKeyPem: pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      publicKeyPem: pair.publicKey.export({ type: "spki", format: "pem" }).toString(),
    });
  });
  return JSON.parse(text) as KeyFile;
}
