import { describe, expect, it } from "vitest";
import { gatewayAlone } from "../../../scripts/gateway-alone.ts";

async function registrations(env: Record<string, string>, from: string[]): Promise<number[]> {
  const gateway = await gatewayAlone(env);
  try {
    const statuses: number[] = [];
    for (const [i, address] of from.entries()) {
      const body = { email: `someone-${i}@example.com`, password: "a fine password", name: "Someone" };
      statuses.push((await gateway.inject({ method: "POST", url: "/v1/auth/register", remoteAddress: address, payload: body })).statusCode);
    }
    return statuses;
  } finally {
    await gateway.close();
  }
}

// No identity module behind this gateway: a registration that gets through answers 503.
describe("the registration limit", () => {
  const from = ["192.0.2.1", "192.0.2.1", "192.0.2.1", "192.0.2.2"];

  it("refuses an address its registrations past REGISTRATION_LIMIT_PER_HOUR, even with the general limit off", async () => {
    expect(await registrations({ REGISTRATION_LIMIT_PER_HOUR: "2", RATE_LIMIT_MAX: "0" }, from)).toEqual([503, 503, 429, 503]);
  });

  it("is stricter than the general limit, and off at 0", async () => {
    expect(await registrations({ REGISTRATION_LIMIT_PER_HOUR: "2", RATE_LIMIT_MAX: "100" }, from)).toEqual([503, 503, 429, 503]);
    expect(await registrations({ REGISTRATION_LIMIT_PER_HOUR: "0" }, from)).toEqual([503, 503, 503, 503]);
  });
});
