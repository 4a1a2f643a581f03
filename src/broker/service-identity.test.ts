import { describe, expect, it, vi } from "vitest";
import { serviceToken, verifyServiceToken } from "./service-identity.ts";

const SECRET = "s".repeat(32);

describe("service tokens", () => {
  it("name the calling module for exactly the call they were made for", () => {
    const token = serviceToken(SECRET, "orders", "inventory.reserveStock", { orderId: "1" });
    expect(verifyServiceToken(SECRET, token, "inventory.reserveStock", { orderId: "1" })).toBe("orders");
    expect(verifyServiceToken(SECRET, token, "inventory.releaseStock", { orderId: "1" })).toBeNull();
    expect(verifyServiceToken(SECRET, token, "inventory.reserveStock", { orderId: "2" })).toBeNull();
    expect(verifyServiceToken("t".repeat(32), token, "inventory.reserveStock", { orderId: "1" })).toBeNull();
  });

  it("refuse forged, malformed and stale tokens", () => {
    const token = serviceToken(SECRET, "orders", "a.b", {});
    expect(verifyServiceToken(SECRET, token.replace("orders", "payments"), "a.b", {})).toBeNull();
    for (const bad of [undefined, 42, "", "orders", "orders.1.x"]) expect(verifyServiceToken(SECRET, bad, "a.b", {})).toBeNull();
    vi.useFakeTimers({ now: Date.now() + 60_000 });
    try {
      expect(verifyServiceToken(SECRET, token, "a.b", {})).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });
});
