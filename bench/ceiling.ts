/**
 * The HTTP ceiling: fastify answering `GET /v1/products/:id` with one constant product of the real
 * shape, serialised with the same schema. Nothing can serve that route faster on this machine, so it
 * bounds what a cache can reach.
 *
 *   node bench/ceiling.ts <port>
 */
import Fastify from "fastify";
import { Product, ProductId } from "../src/modules/catalog/contract.ts";

const [port = "0"] = process.argv.slice(2);
const now = new Date().toISOString();
const product = {
  id: "00000000-0000-4000-8000-000000000000",
  sku: "CEILING-1",
  name: "Ceiling product",
  description: "A constant answer of the same shape as a real product.",
  priceCents: 1999,
  currency: "EUR",
  category: "bench",
  active: true,
  createdAt: now,
  updatedAt: now,
};

const app = Fastify();
app.get("/v1/products/:id", { schema: { params: ProductId, response: { 200: Product } } }, async () => product);
await app.listen({ host: "127.0.0.1", port: Number(port) });
process.on("SIGTERM", () => void app.close().then(() => process.exit(0)));
