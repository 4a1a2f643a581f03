import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { PaymentList, PaymentQuery, Payments } from "../../../modules/payments/contract.ts";
import { describedBy, invoke } from "../../invoke.ts";

const { listPayments } = Payments.actions;

export const paymentsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    "/v1/payments",
    {
      schema: {
        ...describedBy(listPayments, "payments", "The payments of an order"),
        querystring: PaymentQuery,
        response: { 200: PaymentList },
      },
    },
    async (request) => invoke(request, listPayments, request.query, { "": "/query" }),
  );
};
