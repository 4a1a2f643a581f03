/**
 * Each module's own key: an Ed25519 pair. A process signs its bus announcement with the private key
 * of every module it runs (bus-identity.ts), and every process checks announcements with the
 * modules' public keys. So only a process given a module's key can serve that module's actions or
 * call another module as it; the gateway gets none, and holding BUS_SECRET proves no module.
 *
 * Keys travel as base64 DER (PKCS #8 private, SPKI public): one line each, fit for an env var.
 * Outside production a missing pair is made once under DATA_DIR, for processes started together.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { developmentSecret } from "./secrets.ts";

export interface ModuleKeys {
  /** The private keys of the modules this process runs. */
  own: Map<string, KeyObject>;
  /** Every module's public key: what announcements are checked with. */
  known: Map<string, KeyObject>;
}

export interface ModuleKeySettings {
  env: string;
  dataDir: string;
  /** `<MODULE>_SIGNING_KEY`, by module. */
  signingKeys: Record<string, string>;
  /** MODULE_PUBLIC_KEYS, by module. */
  publicKeys: Record<string, string>;
}

/** A new pair, as the text of its private key (the public key follows from it: {@link publicKeyText}). */
export function newSigningKey(): string {
  const { privateKey } = generateKeyPairSync("ed25519");
  return privateKey.export({ format: "der", type: "pkcs8" }).toString("base64");
}

export function signingKeyOf(text: string): KeyObject {
  const key = createPrivateKey({ key: Buffer.from(text.trim(), "base64"), format: "der", type: "pkcs8" });
  if (key.asymmetricKeyType !== "ed25519") throw new Error("not an Ed25519 private key");
  return key;
}

export function publicKeyOf(text: string): KeyObject {
  const key = createPublicKey({ key: Buffer.from(text.trim(), "base64"), format: "der", type: "spki" });
  if (key.asymmetricKeyType !== "ed25519") throw new Error("not an Ed25519 public key");
  return key;
}

export function publicKeyText(signingKey: string): string {
  return createPublicKey(signingKeyOf(signingKey)).export({ format: "der", type: "spki" }).toString("base64");
}

/** `catalog=<base64>,orders=<base64>`: the form of MODULE_PUBLIC_KEYS. */
export function publicKeysText(keys: Record<string, string>): string {
  return Object.entries(keys).map(([module, key]) => `${module}=${key}`).join(",");
}

/**
 * The keys a process on the bus works with. Production passes every one of them and refuses a
 * module's private key in a process that does not run the module (a gateway holding one could pose
 * as it); elsewhere the missing ones come from DATA_DIR.
 */
export async function loadModuleKeys(settings: ModuleKeySettings, hosted: readonly string[], all: readonly string[]): Promise<ModuleKeys> {
  const production = settings.env === "production";
  if (production) {
    const stray = Object.keys(settings.signingKeys).filter((module) => !hosted.includes(module));
    if (stray.length > 0) throw new Error(`NODE_ENV=production refuses ${stray.map(signingKeyEnv).join(", ")} in a process that does not run ${stray.join(", ")}`);
    const unsigned = hosted.filter((module) => !settings.signingKeys[module]);
    if (unsigned.length > 0) throw new Error(`NODE_ENV=production requires ${unsigned.map(signingKeyEnv).join(", ")}`);
    const unknown = all.filter((module) => !settings.publicKeys[module]);
    if (unknown.length > 0) throw new Error(`NODE_ENV=production requires MODULE_PUBLIC_KEYS with a key for ${unknown.join(", ")}`);
  }
  const development = async (module: string) => developmentSecret(settings.dataDir, `module-${module}.key`, newSigningKey);
  const privateKey = async (module: string) => {
    const given = settings.signingKeys[module];
    return given ? parsed(signingKeyEnv(module), "an Ed25519 private key (base64 PKCS #8 DER)", () => signingKeyOf(given)) : signingKeyOf(await development(module));
  };
  const own = new Map<string, KeyObject>();
  for (const module of hosted) own.set(module, await privateKey(module));
  const known = new Map<string, KeyObject>();
  for (const module of all) {
    const given = settings.publicKeys[module];
    known.set(module, given ? parsed(`MODULE_PUBLIC_KEYS's ${module}`, "an Ed25519 public key (base64 SPKI DER)", () => publicKeyOf(given)) : createPublicKey(await privateKey(module)));
  }
  return { own, known };
}

function parsed(name: string, what: string, parse: () => KeyObject): KeyObject {
  try {
    return parse();
  } catch {
    throw new Error(`${name} is not ${what}`);
  }
}

export function signingKeyEnv(module: string): string {
  return `${module.toUpperCase()}_SIGNING_KEY`;
}
