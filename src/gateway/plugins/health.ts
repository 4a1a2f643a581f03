/**
 * Liveness of this process, and readiness: every module this gateway serves answers and reaches
 * its database, and the process is not stopping. A module no node on the bus offers is down without a call (calling it would make
 * the broker warn on every probe); what is down is logged once each time it changes.
 */
import type { FastifyInstance } from "fastify";
import { call, healthAction } from "../../broker/contract-kit.ts";
import type { Broker } from "../../broker/create-broker.ts";
import { isDraining } from "../../draining.ts";

const PROBE_TIMEOUT_MS = 2_000;

export async function healthRoutes(app: FastifyInstance, options: { modules: string[] }) {
  const hidden = { schema: { hide: true }, config: { rateLimit: false } };
  let lastDown: string | undefined;
  app.get("/health/live", hidden, async () => ({ status: "ok" }));
  app.get("/health/ready", hidden, async (_request, reply) => {
    if (isDraining()) return reply.code(503).send({ status: "stopping", modules: {} });
    const states = await probeModules(app.broker, options.modules);
    const down = states.filter(([, state]) => state === "down").map(([name]) => name).join(", ");
    if (down !== (lastDown ?? "")) {
      if (down) app.log.warn({ down }, `not ready: ${down} ${down.includes(",") ? "are" : "is"} down`);
      else if (lastDown !== undefined) app.log.info("ready: every module is up again");
      lastDown = down;
    }
    const ready = down === "";
    return reply.code(ready ? 200 : 503).send({ status: ready ? "ok" : "unavailable", modules: Object.fromEntries(states) });
  });
}

/** Whether each module answers its health action (reaching its database) somewhere on the bus. */
export function probeModules(broker: Broker, modules: string[]): Promise<(readonly [string, "up" | "down"])[]> {
  return Promise.all(
    modules.map(async (name) => {
      const action = healthAction(name);
      if (!broker.registry.actions.isAvailable(action.fullName)) return [name, "down"] as const;
      try {
        await call(broker, action, {}, { timeout: PROBE_TIMEOUT_MS, retries: 0 });
        return [name, "up"] as const;
      } catch {
        return [name, "down"] as const;
      }
    }),
  );
}
