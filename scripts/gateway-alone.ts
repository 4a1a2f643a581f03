/**
 * The real gateway (fastify with every plugin and route) on a broker with no modules and no bus:
 * for the OpenAPI document (which needs only the routes) and for tests of what the edge decides by
 * itself (calls into modules answer 503, which the edge's limits still count).
 */
import type { FastifyInstance } from "fastify";
import { createBroker } from "../src/broker/create-broker.ts";
import { LocalTransport } from "../src/broker/events/transport.ts";
import { createLogger } from "../src/broker/logger.ts";
import { loadConfig } from "../src/config.ts";
import { buildGateway } from "../src/gateway/server.ts";
import { moduleNames } from "./processes.ts";

export async function gatewayAlone(env: Record<string, string>): Promise<FastifyInstance> {
  // No console: it needs the auth keys of a real deployment.
  const config = loadConfig({ LOG_LEVEL: "silent", CONSOLE: "0", ...env }, moduleNames());
  const logger = createLogger("silent");
  return buildGateway(createBroker({ namespace: "gateway-alone", logger, logLevel: "silent", ...config.broker }), config, logger, { events: new LocalTransport() });
}
