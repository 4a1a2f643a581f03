/** The OpenAPI document exactly as the gateway serves it at /docs/json, made without a database or a bus. */
import { gatewayAlone } from "./gateway-alone.ts";

export async function openapiDocument(): Promise<Record<string, unknown>> {
  const gateway = await gatewayAlone({ DATA_DIR: "/nonexistent" });
  await gateway.ready();
  const document = structuredClone(gateway.swagger()) as unknown as Record<string, unknown>;
  await gateway.close();
  return document;
}
