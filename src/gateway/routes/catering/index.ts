import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "../../../broker/contract-kit.ts";
import { Catering, CateringPage, CateringQuery, CateringRequest, NewCateringRequest, RequestId } from "../../../modules/catering/contract.ts";
import { IfNoneMatch, revalidated } from "../../conditional-get.ts";
import { describedBy, invoke, NotModified } from "../../invoke.ts";
import { OPTIONAL_BODY } from "../../openapi.ts";

const { createRequest, listRequests, getRequest, confirmRequest, declineRequest, cancelRequest, fulfilRequest } = Catering.actions;
const Decline = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, { title: "CateringDecline", additionalProperties: false });

export const cateringRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    "/v1/catering/requests",
    { schema: { ...describedBy(createRequest, "catering", "Ask for catering for an event"), body: NewCateringRequest, response: { 201: CateringRequest } } },
    async (request, reply) => {
      const made = await invoke(request, createRequest, request.body);
      return reply.code(201).header("location", `/v1/catering/requests/${made.id}`).send(made);
    },
  );
  app.get(
    "/v1/catering/requests",
    { schema: { ...describedBy(listRequests, "catering", "Catering requests, newest first"), querystring: CateringQuery, response: { 200: CateringPage } } },
    async (request) => invoke(request, listRequests, request.query, { "": "/query" }),
  );
  app.get(
    "/v1/catering/requests/:id",
    {
      schema: { ...describedBy(getRequest, "catering", "One catering request"), params: RequestId, headers: IfNoneMatch, response: { 200: CateringRequest, 304: NotModified } },
      onSend: revalidated("private"),
    },
    async (request) => invoke(request, getRequest, request.params, { "": "/params" }),
  );
  for (const [step, action, summary] of [
    ["confirm", confirmRequest, "Confirm a request: hold its stock"],
    ["cancel", cancelRequest, "Cancel a request: give back what it holds"],
    ["fulfil", fulfilRequest, "Fulfil a confirmed request: its held stock is sold"],
  ] as const) {
    app.post(
      `/v1/catering/requests/:id/${step}`,
      { schema: { ...describedBy(action, "catering", summary), params: RequestId, response: { 200: CateringRequest } } },
      async (request) => invoke(request, action, request.params, { "": "/params" }),
    );
  }
  app.post(
    "/v1/catering/requests/:id/decline",
    {
      schema: { ...describedBy(declineRequest, "catering", "Decline a request"), params: RequestId, body: Decline, [OPTIONAL_BODY]: true, response: { 200: CateringRequest } },
      // The reason is optional, and so is the body that would carry it.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request) => invoke(request, declineRequest, { id: request.params.id, ...request.body }, { "/id": "/params/id" }),
  );
};
