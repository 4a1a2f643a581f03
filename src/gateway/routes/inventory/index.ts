import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Inventory, ProductRef, Stock, StockLevel } from "../../../modules/inventory/contract.ts";
import { describedBy, invoke } from "../../invoke.ts";

const { getStock, setStock } = Inventory.actions;

export const inventoryRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    "/v1/inventory/:productId",
    { schema: { ...describedBy(getStock, "inventory", "Stock of a product"), params: ProductRef, response: { 200: Stock } } },
    async (request) => invoke(request, getStock, request.params, { "": "/params" }),
  );
  app.put(
    "/v1/inventory/:productId",
    {
      schema: { ...describedBy(setStock, "inventory", "Set the units free to sell"), params: ProductRef, body: StockLevel, response: { 200: Stock } },
    },
    async (request) => invoke(request, setStock, { productId: request.params.productId, available: request.body.available }, { "/productId": "/params/productId" }),
  );
};
