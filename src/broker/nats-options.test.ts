/**
 * What a process asks of its NATS connection: with a tls:// NATS_URL it will not talk to a server
 * that offers no TLS (so production's TLS requirement is not only a check of the setting), and a
 * NATS user's replies come under its own inbox prefix (which the shipped permissions rely on).
 */
import { connect } from "nats";
import { describe, expect, it } from "vitest";
import { natsSettings } from "../config.ts";
import { NATS_URL } from "../../test/support/topology.ts";
import { busOwner, natsOptions } from "./nats-options.ts";

const plainServer = NATS_URL.replace(/^nats:/, "tls:");

describe("NATS connection options", () => {
  it("refuse a server without TLS when every NATS_URL is tls://", async () => {
    const options = natsOptions({ nats: natsSettings({ NATS_URL: plainServer }) });
    expect(options.tls).toBeDefined();
    await expect(connect({ ...options, servers: NATS_URL, reconnect: false })).rejects.toThrow(/tls/i);
    // Without the requirement, the same server is fine (the refusal above is about TLS, not reachability).
    const plain = await connect({ ...natsOptions({ nats: natsSettings({ NATS_URL }) }), servers: NATS_URL, reconnect: false });
    await plain.close();
  });

  it("give a NATS user an inbox prefix of its own", () => {
    expect(natsOptions({ nats: natsSettings({ NATS_USER: "orders", NATS_PASSWORD: "p" }) })).toMatchObject({ user: "orders", inboxPrefix: "_INBOX_orders" });
    expect(natsOptions({ nats: natsSettings({ NATS_TOKEN: "t" }) }).inboxPrefix).toBeUndefined();
  });

  it("name a process on the bus by its NATS user, or with none by the modules it runs", () => {
    expect(busOwner({ nats: { user: "orders" }, modules: ["orders"] })).toBe("orders");
    expect(busOwner({ nats: {}, modules: ["orders", "payments"] })).toBe("orders+payments");
    expect(busOwner({ nats: {}, modules: [] })).toBe("gateway");
  });
});
