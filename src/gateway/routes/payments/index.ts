import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "../../../broker/contract-kit.ts";
import { Payment, PaymentQuery, Payments } from "../../../modules/payments/contract.ts";
import { describedBy, invoke } from "../../invoke.ts";

const { listPayments } = Payments.actions;

export const paymentsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    "/v1/payments",
    {
      schema: {
        ...describedBy(listPayments, "payments", "The payments of an order"),
        querystring: PaymentQuery,
        response: { 200: Type.Object({ items: Type.Array(Payment) }) },
      },
    },
    async (request) => invoke(request, listPayments, request.query),
  );
};
