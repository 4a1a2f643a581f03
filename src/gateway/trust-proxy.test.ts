/**
 * Behind an ingress every request comes from the proxy's address: only with TRUST_PROXY does each
 * client get its own rate limit, and only the configured proxies may name the client.
 */
import { describe, expect, it } from "vitest";
import { gatewayAlone } from "../../scripts/gateway-alone.ts";
import { moduleNames } from "../../scripts/processes.ts";
import { ConfigError, loadConfig } from "../config.ts";

async function statusesFor(env: Record<string, string>, requests: { from: string; forwardedFor: string }[]): Promise<number[]> {
  const gateway = await gatewayAlone({ RATE_LIMIT_MAX: "2", ...env });
  try {
    const statuses: number[] = [];
    for (const { from, forwardedFor } of requests) {
      statuses.push((await gateway.inject({ method: "GET", url: "/docs/json", remoteAddress: from, headers: { "x-forwarded-for": forwardedFor } })).statusCode);
    }
    return statuses;
  } finally {
    await gateway.close();
  }
}

// Two clients behind one proxy at 10.0.0.5, and a stranger who claims to be the second client.
const traffic = [
  { from: "10.0.0.5", forwardedFor: "198.51.100.1" },
  { from: "10.0.0.5", forwardedFor: "198.51.100.1" },
  { from: "10.0.0.5", forwardedFor: "198.51.100.1" },
  { from: "10.0.0.5", forwardedFor: "198.51.100.2" },
  { from: "203.0.113.9", forwardedFor: "198.51.100.3" },
  { from: "203.0.113.9", forwardedFor: "198.51.100.4" },
  { from: "203.0.113.9", forwardedFor: "198.51.100.5" },
];

describe("TRUST_PROXY", () => {
  it("gives each client behind a trusted proxy its own limit, and lets no one else name a client", async () => {
    expect(await statusesFor({ TRUST_PROXY: "10.0.0.0/8" }, traffic)).toEqual([200, 200, 429, 200, 200, 200, 429]);
  });

  it("unset, counts every request by the address it came from", async () => {
    expect(await statusesFor({}, traffic)).toEqual([200, 200, 429, 429, 200, 200, 429]);
  });

  it("refuses a hop count or 'true', which cannot tell a proxy from a client", () => {
    for (const value of ["1", "true", "10.0.0.0/8,anyone"]) expect(() => loadConfig({ TRUST_PROXY: value }, moduleNames())).toThrow(ConfigError);
  });
});
