import { describe, expect, it } from "vitest";
import { BusIdentity } from "./bus-identity.ts";
import { createLogger } from "./logger.ts";
import { newSigningKey, publicKeyOf, publicKeyText, signingKeyOf } from "./module-keys.ts";
import { callingModule } from "./service-identity.ts";

const SECRET = "bus-secret-for-tests-at-least-32-chars";
const orders = newSigningKey();
const keys = (own: string[]) => ({ own: new Map(own.map((module) => [module, signingKeyOf(orders)])), known: new Map([["orders", publicKeyOf(publicKeyText(orders))]]) });
const identityOf = (own: string[]) => new BusIdentity(keys(own), SECRET, createLogger("silent"));

describe("the calling module", () => {
  const here = identityOf([]);
  here.admit("bazaar", "orders-node", { bazaar: identityOf(["orders"]).announce("bazaar", "orders-node") }, [{ name: "orders" }]);
  here.admit("bazaar", "gateway-node", { bazaar: identityOf([]).announce("bazaar", "gateway-node") }, []);
  const of = callingModule("this-node", here);

  it("is the module a node proved with the module's key", () => {
    expect(of({ caller: "orders", nodeID: "orders-node" })).toBe("orders");
  });

  it("is no one for a node that only claims it: the gateway's position, or a node not announced", () => {
    expect(of({ caller: "orders", nodeID: "gateway-node" })).toBeNull();
    expect(of({ caller: "orders", nodeID: "unknown-node" })).toBeNull();
    expect(of({ caller: "payments", nodeID: "orders-node" })).toBeNull();
    expect(callingModule("this-node", undefined)({ caller: "orders", nodeID: "orders-node" })).toBeNull();
  });

  it("is the service that made a call in this process, and no one for a call no module made", () => {
    expect(of({ caller: "catalog", nodeID: "this-node" })).toBe("catalog");
    expect(of({ caller: null, nodeID: "this-node" })).toBeNull();
    expect(of({ nodeID: "orders-node" })).toBeNull();
  });
});
