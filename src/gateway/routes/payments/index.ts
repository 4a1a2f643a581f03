import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { PaymentPage, PaymentQuery, Payments } from "../../../modules/payments/contract.ts";
import { describedBy, invoke } from "../../invoke.ts";

const { listPayments } = Payments.actions;

export const paymentsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    "/v1/payments",
    {
      schema: {
        ...describedBy(listPayments, "payments", "Your payments, or an order's"),
        querystring: PaymentQuery,
        response: { 200: PaymentPage },
      },
    },
    async (request) => invoke(request, listPayments, request.query, { "": "/query" }),
  );
};
