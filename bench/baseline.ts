/**
 * The in-repo baseline: the product reads as a team would hand-write them with fastify and a `pg`
 * Pool, on bazaar's own table and answering the same JSON. `npm run bench` runs it beside bazaar;
 * every bazaar figure in the report is a ratio to this service measured in the same run.
 *
 *   node bench/baseline.ts <port> <database url> <pool size>
 */
import Fastify from "fastify";
import pg from "pg";
import { Product, ProductId, ProductPage } from "../src/modules/catalog/contract.ts";

const [port = "0", databaseUrl = "", poolMax = "5"] = process.argv.slice(2);
const pool = new pg.Pool({ connectionString: databaseUrl, max: Number(poolMax) });

const COLUMNS = "id, sku, name, description, price_cents, currency, category, active, created_at, updated_at";
/** The same prefix search as the catalog's: every word must match, the last as a prefix. */
const MATCHES = "search @@ (regexp_replace(plainto_tsquery('simple', $1)::text, '''$', ''':*'))::tsquery";

interface Row {
  id: string;
  sku: string;
  name: string;
  description: string;
  price_cents: number;
  currency: string;
  category: string | null;
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

const toProduct = (row: Row) => ({
  id: row.id,
  sku: row.sku,
  name: row.name,
  description: row.description,
  priceCents: row.price_cents,
  currency: row.currency,
  category: row.category,
  active: row.active,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

const NOT_FOUND = { type: "object", properties: { status: { type: "integer" }, title: { type: "string" } } } as const;

const app = Fastify();

app.get("/v1/products/:id", { schema: { params: ProductId, response: { 200: Product, 404: NOT_FOUND } } }, async (request, reply) => {
  const { id } = request.params as { id: string };
  const { rows } = await pool.query<Row>(`select ${COLUMNS} from catalog.products where id = $1`, [id]);
  if (!rows[0]) return reply.code(404).send({ status: 404, title: "Not Found" });
  return toProduct(rows[0]);
});

app.get(
  "/v1/products",
  { schema: { querystring: { type: "object", properties: { q: { type: "string" }, limit: { type: "integer", minimum: 1, maximum: 100 } } }, response: { 200: ProductPage } } },
  async (request) => {
    const { q = "", limit = 20 } = request.query as { q?: string; limit?: number };
    const { rows } = await pool.query<Row>(
      `select ${COLUMNS} from catalog.products where active and ${MATCHES} order by created_at desc, id desc limit $2`,
      [q, limit + 1],
    );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    const nextCursor = rows.length > limit && last ? Buffer.from(JSON.stringify([last.created_at.toISOString(), last.id])).toString("base64url") : null;
    return { items: page.map(toProduct), nextCursor };
  },
);

await app.listen({ host: "127.0.0.1", port: Number(port) });
process.on("SIGTERM", () => void app.close().then(() => pool.end()).then(() => process.exit(0)));
