/**
 * A version of the API that a newer one supersedes. Its routes, registered through this plugin,
 * keep answering as before, and every answer (errors included) says when they were deprecated
 * (RFC 9745 `Deprecation`), when they go away (RFC 8594 `Sunset`) and where the same thing lives
 * in the successor (`Link: <...>; rel="successor-version"`); the OpenAPI document marks their
 * operations deprecated. Retiring a version is one such registration, not an edit of every route;
 * the hooks stay inside it (no fastify-plugin), so the successor's routes carry none of this.
 */
import type { FastifyPluginAsync } from "fastify";

export interface Supersession {
  deprecatedAt: Date;
  sunsetAt: Date;
  /** The successor's path for a request path of this version, e.g. /v1/products/1 → /v2/products/1. */
  successor: (path: string) => string;
  routes: FastifyPluginAsync;
}

export const superseded: FastifyPluginAsync<Supersession> = async (app, { deprecatedAt, sunsetAt, successor, routes }) => {
  const deprecation = `@${Math.floor(deprecatedAt.getTime() / 1000)}`;
  const sunset = sunsetAt.toUTCString();
  // In place: the OpenAPI generator keeps the route's schema object it was handed first.
  app.addHook("onRoute", (route) => {
    route.schema ??= {};
    (route.schema as { deprecated?: boolean }).deprecated = true;
  });
  // A callback hook, not an async one: it runs on every answer of the superseded routes' hot reads.
  app.addHook("onSend", (request, reply, payload, done) => {
    const path = request.url.indexOf("?") === -1 ? request.url : request.url.slice(0, request.url.indexOf("?"));
    reply.headers({ deprecation, sunset, link: `<${successor(path)}>; rel="successor-version"` });
    done(null, payload);
  });
  await app.register(routes);
};
