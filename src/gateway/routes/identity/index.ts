import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "../../../broker/contract-kit.ts";
import { AccessToken, Credentials, Identity, Jwks, RefreshToken, Registration, User } from "../../../modules/identity/contract.ts";
import { describedBy, invoke } from "../../invoke.ts";

const { register, login, refresh, logout, me, jwks } = Identity.actions;

export const identityRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    "/v1/auth/register",
    { schema: { ...describedBy(register, "identity", "Create a customer account"), body: Registration, response: { 201: User } } },
    async (request, reply) => reply.code(201).header("location", "/v1/auth/me").send(await invoke(request, register, request.body)),
  );
  app.post(
    "/v1/auth/login",
    { schema: { ...describedBy(login, "identity", "Get an access token"), body: Credentials, response: { 200: AccessToken } } },
    async (request) => invoke(request, login, request.body),
  );
  app.post(
    "/v1/auth/refresh",
    { schema: { ...describedBy(refresh, "identity", "Exchange a refresh token for new tokens"), body: RefreshToken, response: { 200: AccessToken } } },
    async (request) => invoke(request, refresh, request.body),
  );
  app.post(
    "/v1/auth/logout",
    { schema: { ...describedBy(logout, "identity", "End a login: revoke its refresh tokens"), body: RefreshToken, response: { 204: Type.Null({ description: "Signed out" }) } } },
    async (request, reply) => {
      await invoke(request, logout, request.body);
      return reply.code(204).send(null);
    },
  );
  app.get(
    "/v1/auth/me",
    { schema: { ...describedBy(me, "identity", "The signed-in user"), response: { 200: User } } },
    async (request) => invoke(request, me, {}),
  );
  app.get(
    "/.well-known/jwks.json",
    { schema: { ...describedBy(jwks, "identity", "Public keys that verify access tokens"), response: { 200: Jwks } } },
    async (request) => invoke(request, jwks, {}),
  );
};
