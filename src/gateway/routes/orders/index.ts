import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "../../../broker/contract-kit.ts";
import { IdempotencyKey, NewOrder, Order, OrderId, OrderPage, OrderQuery, Orders } from "../../../modules/orders/contract.ts";
import { describedBy, invoke } from "../../invoke.ts";

const { placeOrder, getOrder, listOrders, cancelOrder } = Orders.actions;
const IdempotencyHeaders = Type.Object({ "idempotency-key": Type.Optional(IdempotencyKey) });

export const ordersRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    "/v1/orders",
    {
      schema: {
        ...describedBy(placeOrder, "orders", "Place an order"),
        headers: IdempotencyHeaders,
        body: NewOrder,
        response: { 201: Order },
      },
    },
    async (request, reply) => {
      const idempotencyKey = request.headers["idempotency-key"];
      const order = await invoke(request, placeOrder, { order: request.body, ...(idempotencyKey === undefined ? {} : { idempotencyKey }) });
      return reply.code(201).send(order);
    },
  );
  app.get(
    "/v1/orders",
    { schema: { ...describedBy(listOrders, "orders", "Your orders, newest first"), querystring: OrderQuery, response: { 200: OrderPage } } },
    async (request) => invoke(request, listOrders, request.query),
  );
  app.get(
    "/v1/orders/:id",
    { schema: { ...describedBy(getOrder, "orders", "One order"), params: OrderId, response: { 200: Order } } },
    async (request) => invoke(request, getOrder, request.params),
  );
  app.post(
    "/v1/orders/:id/cancel",
    { schema: { ...describedBy(cancelOrder, "orders", "Cancel an order"), params: OrderId, response: { 200: Order } } },
    async (request) => invoke(request, cancelOrder, request.params),
  );
};
