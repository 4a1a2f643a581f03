import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "../../../broker/contract-kit.ts";
import { IdempotencyKey, NewOrder, Order, OrderId, OrderPage, OrderQuery, Orders } from "../../../modules/orders/contract.ts";
import { IfNoneMatch, revalidated } from "../../conditional-get.ts";
import { describedBy, invoke, NotModified } from "../../invoke.ts";

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
      const params = { order: request.body, ...(idempotencyKey === undefined ? {} : { idempotencyKey }) };
      const order = await invoke(request, placeOrder, params, { "/order": "", "/idempotencyKey": "/headers/idempotency-key" });
      return reply.code(201).header("location", `/v1/orders/${order.id}`).send(order);
    },
  );
  app.get(
    "/v1/orders",
    { schema: { ...describedBy(listOrders, "orders", "Your orders, newest first"), querystring: OrderQuery, response: { 200: OrderPage } } },
    async (request) => invoke(request, listOrders, request.query, { "": "/query" }),
  );
  app.get(
    "/v1/orders/:id",
    {
      schema: { ...describedBy(getOrder, "orders", "One order"), params: OrderId, headers: IfNoneMatch, response: { 200: Order, 304: NotModified } },
      onSend: revalidated("private"),
    },
    async (request) => invoke(request, getOrder, request.params, { "": "/params" }),
  );
  app.post(
    "/v1/orders/:id/cancel",
    { schema: { ...describedBy(cancelOrder, "orders", "Cancel an order"), params: OrderId, response: { 200: Order } } },
    async (request) => invoke(request, cancelOrder, request.params, { "": "/params" }),
  );
};
