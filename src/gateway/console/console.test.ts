import { expect, it } from "vitest";
import { gatewayAlone } from "../../../scripts/gateway-alone.ts";

it("serves no console with CONSOLE=0 (production's default)", async () => {
  const gateway = await gatewayAlone({ CONSOLE: "0" });
  try {
    for (const url of ["/console", "/console/console.js", "/console/api/system"]) expect((await gateway.inject({ url })).statusCode, url).toBe(404);
  } finally {
    await gateway.close();
  }
});
