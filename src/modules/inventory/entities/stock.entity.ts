import { defineEntity, p, type InferEntity } from "@mikro-orm/core";

export const StockEntity = defineEntity({
  name: "Stock",
  tableName: "stock",
  properties: {
    productId: p.uuid().primary(),
    available: p.integer(),
    reserved: p.integer(),
    sold: p.integer(),
    updatedAt: p.datetime(3),
  },
});
export type StockEntity = InferEntity<typeof StockEntity>;
