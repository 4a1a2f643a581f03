/** Liveness of this process, and readiness: every module this gateway serves answers and reaches its database. */
import type { FastifyInstance } from "fastify";
import { call, healthAction } from "../../broker/contract-kit.ts";

const PROBE_TIMEOUT_MS = 2_000;

export async function healthRoutes(app: FastifyInstance, options: { modules: string[] }) {
  const hidden = { schema: { hide: true }, config: { rateLimit: false } };
  app.get("/health/live", hidden, async () => ({ status: "ok" }));
  app.get("/health/ready", hidden, async (_request, reply) => {
    const states = await Promise.all(
      options.modules.map(async (name) => {
        try {
          await call(app.broker, healthAction(name), {}, { timeout: PROBE_TIMEOUT_MS, retries: 0 });
          return [name, "up"] as const;
        } catch {
          return [name, "down"] as const;
        }
      }),
    );
    const modules = Object.fromEntries(states);
    const ready = states.every(([, state]) => state === "up");
    return reply.code(ready ? 200 : 503).send({ status: ready ? "ok" : "unavailable", modules });
  });
}
