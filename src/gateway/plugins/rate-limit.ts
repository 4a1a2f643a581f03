/**
 * The general per-address request limit (API.md), and stricter ones for routes that cost the
 * server much per request (registration hashes a password with Argon2: 19 MiB and tens of ms).
 * Login has its own limits in identity, per email and per address.
 */
import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { defenceOff } from "../../broker/defences.ts";

export interface RateLimits {
  /** Requests per address per window on every route; 0: none. */
  max: number;
  windowS: number;
  /** Per route (`METHOD /path`): requests per address per window, instead of the general limit; max 0: none. */
  routes: Record<string, { max: number; windowS: number }>;
}

export const rateLimitPlugin = fp(async (app: FastifyInstance, options: RateLimits) => {
  const routes = Object.entries(options.routes).filter(([, limit]) => limit.max > 0);
  if ((options.max === 0 && routes.length === 0) || defenceOff("rate-limit")) return;
  const perRoute = new Map(routes);
  app.addHook("onRoute", (route) => {
    for (const method of [route.method].flat()) {
      const limit = perRoute.get(`${method} ${route.url}`);
      if (limit) route.config = { ...route.config, rateLimit: { max: limit.max, timeWindow: limit.windowS * 1000 } };
    }
  });
  await app.register(rateLimit, {
    global: options.max > 0,
    max: options.max,
    timeWindow: options.windowS * 1000,
    errorResponseBuilder: (_request, context) => Object.assign(new Error("rate limited"), { statusCode: context.statusCode }),
  });
});
