/**
 * A small HTTP server on OPS_PORT with /health/live, /health/ready (this process's modules answer
 * and reach their databases, and it is not stopping) and /metrics, for probes and Prometheus. Not for the public: module
 * pods serve nothing else, and a gateway with OPS_PORT serves its metrics here instead of on the
 * public port (production requires it).
 */
import { createServer, type Server } from "node:http";
import { call, healthAction } from "./broker/contract-kit.ts";
import type { Broker } from "./broker/create-broker.ts";
import { registry } from "./broker/metrics.ts";
import { isDraining } from "./draining.ts";

export async function startOpsServer(broker: Broker, modules: string[], host: string, port: number): Promise<Server> {
  const server = createServer(async (request, response) => {
    const send = (status: number, body: string, type = "application/json") => {
      response.writeHead(status, { "content-type": type });
      response.end(body);
    };
    if (request.method !== "GET") return send(405, JSON.stringify({ status: 405 }));
    if (request.url === "/health/live") return send(200, JSON.stringify({ status: "ok" }));
    if (request.url === "/metrics") return send(200, await registry.metrics(), registry.contentType);
    if (request.url === "/health/ready") {
      if (isDraining()) return send(503, JSON.stringify({ status: "stopping", modules: {} }));
      const states = await Promise.all(
        modules.map(async (name) => {
          try {
            await call(broker, healthAction(name), {}, { timeout: 2_000, retries: 0, nodeID: broker.nodeID });
            return [name, "up"] as const;
          } catch {
            return [name, "down"] as const;
          }
        }),
      );
      const ready = states.every(([, state]) => state === "up");
      return send(ready ? 200 : 503, JSON.stringify({ status: ready ? "ok" : "unavailable", modules: Object.fromEntries(states) }));
    }
    return send(404, JSON.stringify({ status: 404 }));
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return server;
}
