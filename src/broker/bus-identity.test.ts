import { describe, expect, it } from "vitest";
import { BusIdentity } from "./bus-identity.ts";
import { createLogger } from "./logger.ts";
import { newSigningKey, publicKeyOf, publicKeyText, signingKeyOf } from "./module-keys.ts";

const SECRET = "bus-secret-for-tests-at-least-32-chars";
const pairs = Object.fromEntries(["catalog", "orders"].map((module) => [module, newSigningKey()]));
const known = new Map(Object.entries(pairs).map(([module, key]) => [module, publicKeyOf(publicKeyText(key))]));

/** A node running `modules` (with their keys) that knows every module's public key. */
function node(modules: string[]) {
  return new BusIdentity({ own: new Map(modules.map((module) => [module, signingKeyOf(pairs[module] as string)])), known }, SECRET, createLogger("silent"));
}

const services = (...names: string[]) => names.map((name) => ({ name }) as { name: string; actions?: Record<string, unknown> });

describe("bus identity", () => {
  it("admits a node's services only for the modules it signed for with their keys", () => {
    const observer = node([]);
    const catalog = node(["catalog"]);
    const listed = services("catalog", "$ops");
    expect(observer.admit("bazaar", "n1", { bazaar: catalog.announce("bazaar", "n1") }, listed)).toBe(true);
    expect(listed).toEqual(services("catalog", "$ops"));
    expect([...observer.modulesOf("n1")]).toEqual(["catalog"]);

    // The gateway's position: the bus secret, no module key. Its claim of catalog and orders goes.
    const gateway = node([]);
    const claimed = services("catalog", "orders", "$ops");
    expect(observer.admit("bazaar", "n2", { bazaar: gateway.announce("bazaar", "n2") }, claimed)).toBe(true);
    expect(claimed).toEqual(services("$ops"));
    expect(observer.modulesOf("n2").size).toBe(0);
  });

  it("refuses signatures made for another node, another namespace or another key", () => {
    const observer = node([]);
    const catalog = node(["catalog"]);
    const forOther = catalog.announce("bazaar", "other-node");
    const a = services("catalog");
    observer.admit("bazaar", "n1", { bazaar: forOther }, a);
    expect(a).toEqual([]);
    const b = services("catalog");
    observer.admit("bazaar", "n2", { bazaar: catalog.announce("staging", "n2") }, b);
    expect(b).toEqual([]);
    // A valid signature over someone else's key: the claimant could not open what is sealed to it anyway, but it is not admitted.
    const c = services("catalog");
    observer.admit("bazaar", "n3", { bazaar: { ...catalog.announce("bazaar", "n3"), box: node([]).box.toString("base64url") } }, c);
    expect(c).toEqual([]);
  });

  it("drops an announcement of a known node with another key, and one with no key", () => {
    const observer = node([]);
    expect(observer.admit("bazaar", "n1", { bazaar: node(["catalog"]).announce("bazaar", "n1") }, services("catalog"))).toBe(true);
    expect(observer.admit("bazaar", "n1", { bazaar: node([]).announce("bazaar", "n1") }, services())).toBe(false);
    expect([...observer.modulesOf("n1")]).toEqual(["catalog"]);
    expect(observer.admit("bazaar", "n2", {}, services())).toBe(false);
  });

  it("vouches for a node only with the key it announced", () => {
    const observer = node([]);
    const peer = node([]);
    expect(observer.vouches("p1", peer.box)).toBe(false);
    observer.admit("bazaar", "p1", { bazaar: peer.announce("bazaar", "p1") }, []);
    expect(observer.vouches("p1", peer.box)).toBe(true);
    expect(observer.vouches("p1", node([]).box)).toBe(false);
  });

  it("admits no action outside its own service: a node service cannot carry a module's actions", () => {
    const observer = node([]);
    const listed = [
      { name: "$ops", actions: { "$ops.status": {} } },
      { name: "$x", actions: { "catalog.getProducts": {} } },
      { name: "$ops", actions: { "$ops.status": {}, "orders.getOrder": {} } },
    ];
    observer.admit("bazaar", "n1", { bazaar: node([]).announce("bazaar", "n1") }, listed);
    expect(listed).toEqual([{ name: "$ops", actions: { "$ops.status": {} } }]);
    const proven = [{ name: "catalog", actions: { "catalog.getProducts": {}, "inventory.releaseStock": {} } }];
    observer.admit("bazaar", "n2", { bazaar: node(["catalog"]).announce("bazaar", "n2") }, proven);
    expect(proven).toEqual([]);
  });

  it("derives the same pair key on both ends, and another with a third node", () => {
    const [a, b, c] = [node([]), node([]), node([])];
    const key = (x: BusIdentity, y: BusIdentity) => x.pairKey(y.box).export().toString("hex");
    expect(key(a, b)).toBe(key(b, a));
    expect(key(a, c)).not.toBe(key(a, b));
    expect(key(c, b)).not.toBe(key(a, b));
  });
});
