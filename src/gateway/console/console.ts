/**
 * The console at /console: one page of the live system for admins (nodes, module health and
 * rates, outboxes, dead letters with a redrive, recent traces, the module graph). The page and its
 * script and style are files of this folder served from here: no asset from anywhere else, and a
 * content security policy that allows none. The page signs in with the API's own login and sends
 * the admin's token to the JSON routes under /console/api; every `$ops` call verifies it again.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { AuthKeys } from "../../broker/auth.ts";
import { Type, Uuid } from "../../broker/contract-kit.ts";
import { forbidden, notFound, unauthorized } from "../../broker/errors.ts";
import { SystemView, type ConsoleSources } from "./system-view.ts";

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const ASSETS = { "/console": ["index.html", "text/html; charset=utf-8"], "/console/console.js": ["console.js", "text/javascript; charset=utf-8"], "/console/console.css": ["console.css", "text/css; charset=utf-8"] } as const;

const Redrive = Type.Union([
  Type.Object(
    { module: Type.String({ minLength: 1, maxLength: 100 }), kind: Type.Union([Type.Literal("outbox"), Type.Literal("subscriber")]), id: Uuid },
    { additionalProperties: false },
  ),
  Type.Object({ sequence: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
]);

export async function consolePlugin(app: FastifyInstance, options: ConsoleSources & { auth: AuthKeys }) {
  const view = new SystemView(options);
  const hidden = { schema: { hide: true } };
  for (const [url, [file, type]] of Object.entries(ASSETS)) {
    const body = await readFile(path.join(import.meta.dirname, "assets", file), "utf8");
    app.get(url, hidden, async (_request, reply) => reply.header("content-type", type).header("content-security-policy", CSP).header("cache-control", "no-cache").send(body));
  }

  /** The admin's token, verified here too: the stream of dead letters is read by the gateway itself. */
  async function adminToken(request: FastifyRequest): Promise<string> {
    const token = request.bearerToken;
    const user = token ? await options.auth.verify(token) : null;
    if (!token || !user) throw unauthorized();
    if (!user.roles.includes("admin")) throw forbidden("The console is for admins.");
    return token;
  }

  app.get("/console/api/system", hidden, async (request) => view.snapshot(await adminToken(request)));
  app.get("/console/api/traces", hidden, async (request) => ({ traces: await view.traces(await adminToken(request)) }));
  app.post("/console/api/redrive", { schema: { hide: true, body: Redrive } }, async (request, reply) => {
    const token = await adminToken(request);
    const body = request.body as { module: string; kind: "outbox" | "subscriber"; id: string } | { sequence: number };
    const redriven = "sequence" in body ? await view.redriveStream(body.sequence) : await view.redriveModule(token, body.module, body.kind, body.id);
    if (!redriven) throw notFound("No such dead letter; it may have been redriven already.");
    return reply.code(202).send({ redriven: true });
  });
}
