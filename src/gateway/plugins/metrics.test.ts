import { describe, expect, it } from "vitest";
import { gatewayAlone } from "../../../scripts/gateway-alone.ts";

describe("the gateway's /metrics", () => {
  it("is served on the public port only when no ops port serves it", async () => {
    for (const [env, status] of [[{}, 200], [{ OPS_PORT: "9464" }, 404]] as const) {
      const gateway = await gatewayAlone(env);
      try {
        expect((await gateway.inject({ method: "GET", url: "/metrics" })).statusCode).toBe(status);
      } finally {
        await gateway.close();
      }
    }
  });
});
