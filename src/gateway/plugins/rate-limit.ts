/** The general per-address request limit (API.md); login has its own, stricter limits in identity. */
import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";

export const rateLimitPlugin = fp(async (app: FastifyInstance, options: { max: number; windowS: number }) => {
  if (options.max === 0) return;
  await app.register(rateLimit, {
    max: options.max,
    timeWindow: options.windowS * 1000,
    errorResponseBuilder: (_request, context) => Object.assign(new Error("rate limited"), { statusCode: context.statusCode }),
  });
});
