/** 404 for unknown routes, and 405 with `Allow` when the path exists under another method. */
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { sendProblem } from "../problem.ts";

interface KnownRoute {
  pattern: RegExp;
  methods: Set<string>;
}

function toPattern(url: string): RegExp {
  const escaped = url
    .split("/")
    .map((segment) => (segment.startsWith(":") || segment === "*" ? "[^/]+" : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("/");
  return new RegExp(`^${escaped}/?$`);
}

export const notFoundPlugin = fp(async (app: FastifyInstance) => {
  const routes = new Map<string, KnownRoute>();
  app.addHook("onRoute", (route) => {
    const known = routes.get(route.url) ?? { pattern: toPattern(route.url), methods: new Set<string>() };
    for (const method of [route.method].flat()) known.methods.add(method);
    routes.set(route.url, known);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0] ?? "";
    const allowed = new Set<string>();
    for (const route of routes.values()) if (route.pattern.test(path)) route.methods.forEach((m) => allowed.add(m));
    if (allowed.size > 0) {
      reply.header("allow", [...allowed].sort().join(", "));
      return sendProblem(reply, { status: 405, code: "method_not_allowed", detail: `${request.method} is not allowed here.` });
    }
    return sendProblem(reply, { status: 404, code: "not_found", detail: "No such route." });
  });
});
