import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadModuleKeys, newSigningKey, publicKeyText } from "./module-keys.ts";

const all = ["catalog", "orders"];
const keys = Object.fromEntries(all.map((module) => [module, newSigningKey()]));
const publicKeys = Object.fromEntries(all.map((module) => [module, publicKeyText(keys[module] as string)]));
const dirs: string[] = [];
const dataDir = async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "bazaar-keys-"));
  dirs.push(dir);
  return dir;
};
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe("module keys", () => {
  it("in production, are all given: each hosted module's private key and every module's public key", async () => {
    const production = { env: "production", dataDir: "/nonexistent", signingKeys: { catalog: keys.catalog as string }, publicKeys };
    const loaded = await loadModuleKeys(production, ["catalog"], all);
    expect([...loaded.own.keys()]).toEqual(["catalog"]);
    expect([...loaded.known.keys()]).toEqual(all);
    await expect(loadModuleKeys({ ...production, signingKeys: {} }, ["catalog"], all)).rejects.toThrow("requires CATALOG_SIGNING_KEY");
    await expect(loadModuleKeys({ ...production, publicKeys: { catalog: publicKeys.catalog as string } }, ["catalog"], all)).rejects.toThrow("MODULE_PUBLIC_KEYS with a key for orders");
  });

  it("in production, are refused in a process that does not run their module (a gateway holding one)", async () => {
    const gateway = { env: "production", dataDir: "/nonexistent", signingKeys: { orders: keys.orders as string }, publicKeys };
    await expect(loadModuleKeys(gateway, [], all)).rejects.toThrow("refuses ORDERS_SIGNING_KEY in a process that does not run orders");
  });

  it("outside production, are made once under the data dir and the same for every process there", async () => {
    const dir = await dataDir();
    const settings = { env: "development", dataDir: dir, signingKeys: {}, publicKeys: {} };
    const first = await loadModuleKeys(settings, ["catalog"], all);
    const second = await loadModuleKeys(settings, [], all);
    expect((await readdir(path.join(dir, "keys"))).sort()).toEqual(["module-catalog.key", "module-orders.key"]);
    for (const module of all) expect(second.known.get(module)?.equals(first.known.get(module) as never)).toBe(true);
  });

  it("refuse what is not an Ed25519 key", async () => {
    const settings = { env: "development", dataDir: await dataDir(), signingKeys: { catalog: "bm90IGEga2V5" }, publicKeys: {} };
    await expect(loadModuleKeys(settings, ["catalog"], all)).rejects.toThrow("CATALOG_SIGNING_KEY is not an Ed25519 private key");
    await expect(loadModuleKeys({ ...settings, signingKeys: {}, publicKeys: { orders: keys.orders as string } }, [], all)).rejects.toThrow("MODULE_PUBLIC_KEYS's orders is not an Ed25519 public key");
  });
});
