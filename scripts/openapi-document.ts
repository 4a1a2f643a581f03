/**
 * The OpenAPI document exactly as the gateway serves it at /docs/json, made without a database or
 * a bus: the routes and their schemas are all it needs.
 */
import { createBroker } from "../src/broker/create-broker.ts";
import { LocalTransport } from "../src/broker/events/transport.ts";
import { createLogger } from "../src/broker/logger.ts";
import { loadConfig } from "../src/config.ts";
import { buildGateway } from "../src/gateway/server.ts";
import { moduleNames } from "./processes.ts";

export async function openapiDocument(): Promise<Record<string, unknown>> {
  const config = loadConfig({ LOG_LEVEL: "silent", DATA_DIR: "/nonexistent" }, moduleNames());
  const logger = createLogger("silent");
  const broker = createBroker({ namespace: "openapi", logger, logLevel: "silent", ...config.broker });
  const gateway = await buildGateway(broker, config, logger, new LocalTransport());
  await gateway.ready();
  const document = structuredClone(gateway.swagger()) as unknown as Record<string, unknown>;
  await gateway.close();
  return document;
}
