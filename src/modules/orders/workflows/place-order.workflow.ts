/**
 * Checkout, as explicit steps, each with its compensation:
 *
 * 1. claim the idempotency key and record the order as `pending`      ← reject: mark it `rejected`, free the key
 * 2. snapshot prices from the catalog
 * 3. hold the stock (inventory.reserveStock, idempotent by order id)  ← compensate: inventory.releaseStock
 * 4. `pending` → `awaiting_payment` with `orders.order.placed`, in one statement; payment follows
 *    from that event, so a payments outage never stops checkout.
 *
 * Each step is a single statement that commits by itself. A crash between steps leaves a `pending`
 * order, which `abandonStaleCheckouts` compensates after ORDERS_PENDING_TIMEOUT_S; a retry with the
 * same Idempotency-Key meanwhile waits briefly for the first attempt, then answers 503. A first
 * attempt that is refused (out of stock) frees the key, and a retry waiting for it goes on by itself.
 */
import { createHash, randomUUID } from "node:crypto";
import type { ParamsOf } from "../../../broker/contract-kit.ts";
import { dependencyUnavailable, describeError, type ProblemData } from "../../../broker/errors.ts";
import { counter } from "../../../broker/metrics.ts";
import type { ActionContext } from "../../../broker/module.ts";
import { isUniqueViolation, statement } from "../../../broker/module-sql.ts";
import { Catalog } from "../../catalog/contract.ts";
import { Inventory } from "../../inventory/contract.ts";
import { ORDER_COLUMNS } from "../actions/order.view.ts";
import { Orders, type Order } from "../contract.ts";
import { distinctProducts, priceLines } from "../domain/price-order.ts";
import type { OrderState } from "../entities/order.entity.ts";

type Params = ParamsOf<typeof Orders.actions.placeOrder>;

const ordersPlaced = counter("bazaar_orders_placed_total", "Orders accepted at checkout");

const INSERT_PENDING = statement(
  "orders_insert_pending",
  `insert into orders.orders (id, user_id, status, items, total_cents, currency, idempotency_key, request_hash, cancel_reason, created_at, updated_at)
   values ($1, $2, 'pending', $3::jsonb, $4, $5, $6, $7, null, $8, $8)`,
);
const PLACE = statement(
  "orders_place",
  `update orders.orders o set status = 'awaiting_payment', updated_at = $2 where o.id = $1 and o.status = 'pending' returning ${ORDER_COLUMNS}`,
);
/** A rejected order is never shown, and frees its idempotency key: a failed attempt does not use it up. */
const REJECT = statement("orders_reject_pending", `update orders.orders set status = 'rejected', idempotency_key = null, updated_at = $2 where id = $1 and status = 'pending'`);
const BY_KEY = statement(
  "orders_by_idempotency_key",
  `select ${ORDER_COLUMNS}, o.status as state, o.request_hash as "requestHash" from orders.orders o where o.user_id = $1 and o.idempotency_key = $2`,
);
const STATE = statement("orders_state", `select ${ORDER_COLUMNS}, o.status as state from orders.orders o where o.id = $1`);

type Recorded = Order & { state: OrderState; requestHash?: string | null };

export async function placeOrder(params: Params, ctx: ActionContext): Promise<Order> {
  const user = ctx.user as NonNullable<ActionContext["user"]>;
  const { order: request, idempotencyKey } = params;
  distinctProducts(request.items);
  const requestHash = hashOf(request);
  let priced: ReturnType<typeof priceLines> | undefined;

  // A key held by an attempt that is then refused is free again: the next round takes it.
  for (let round = 0; round < MAX_ROUNDS; round++) {
    if (idempotencyKey !== undefined) {
      const [earlier] = await ctx.db.query<Recorded>(BY_KEY, [user.id, idempotencyKey]);
      if (earlier) {
        const answer = await replay(ctx, earlier, requestHash);
        if (answer) return answer;
        continue;
      }
    }
    if (!priced) {
      const { items: products } = await ctx.call(Catalog.actions.getProducts, { ids: request.items.map((line) => line.productId) });
      priced = priceLines(request.items, products);
    }
    const orderId = randomUUID();
    try {
      await ctx.db.query(INSERT_PENDING, [orderId, user.id, JSON.stringify(priced.items), priced.totalCents, priced.currency, idempotencyKey ?? null, requestHash, new Date().toISOString()]);
    } catch (error) {
      // A concurrent request with the same key won the race: the next round answers what it answers.
      if (isUniqueViolation(error) && idempotencyKey !== undefined) continue;
      throw error;
    }
    return holdStockAndPlace(ctx, { orderId, userId: user.id, ...priced }, request.paymentToken);
  }
  throw stillProcessing();
}

/** Rounds of "an earlier attempt holds the key": each waits for it up to REPLAY_WAIT_MS. */
const MAX_ROUNDS = 3;
const REPLAY_WAIT_MS = 5_000;
const stillProcessing = () => dependencyUnavailable("An earlier request with this Idempotency-Key is still being processed; try again.");

async function holdStockAndPlace(
  ctx: ActionContext,
  order: { orderId: string; userId: string; items: { productId: string; quantity: number }[]; totalCents: number; currency: string },
  paymentToken: string,
): Promise<Order> {
  try {
    await ctx.call(Inventory.actions.reserveStock, { orderId: order.orderId, lines: order.items.map(({ productId, quantity }) => ({ productId, quantity })) });
  } catch (error) {
    const { status } = describeError(error);
    if (status === 409) {
      await reject(ctx, order.orderId);
      throw Inventory.errors.outOfStock.is(error) ? Orders.errors.outOfStock.error(undefined, error.data as ProblemData) : dependencyUnavailable();
    }
    await compensateReservation(ctx, order.orderId);
    throw error;
  }
  const placedEvent = { orderId: order.orderId, userId: order.userId, totalCents: order.totalCents, currency: order.currency, paymentToken };
  const [placed] = await ctx.db.publishing<Order, typeof Orders.events["orders.order.placed"]>(
    PLACE,
    [order.orderId, new Date().toISOString()],
    Orders.events["orders.order.placed"],
    placedEvent,
    ctx.requestId,
  );
  // The stale-checkout sweeper got there first and released the stock.
  if (!placed) throw dependencyUnavailable("Checkout took too long; please try again.");
  ordersPlaced.inc();
  return placed;
}

/** Compensation for step 3: give back whatever may be held; if inventory cannot be reached, the sweeper will. */
async function compensateReservation(ctx: ActionContext, orderId: string): Promise<void> {
  try {
    await ctx.call(Inventory.actions.releaseStock, { orderId });
    await reject(ctx, orderId);
  } catch (error) {
    ctx.log.warn({ orderId, err: error }, "could not release stock after a failed checkout; the sweeper will");
  }
}

async function reject(ctx: ActionContext, orderId: string): Promise<void> {
  await ctx.db.query(REJECT, [orderId, new Date().toISOString()]);
}

/**
 * The same key and body answer the first order again; another body is a misuse of the key. An
 * attempt still under way (or crashed mid-way) is waited for; undefined when it ended refused,
 * which freed the key.
 */
async function replay(ctx: ActionContext, earlier: Recorded, requestHash: string): Promise<Order | undefined> {
  if (earlier.requestHash !== requestHash) {
    throw Orders.errors.idempotencyKeyReused.error();
  }
  if (earlier.state !== "pending") return visible(earlier);
  for (let waited = 0; waited < REPLAY_WAIT_MS; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const [current] = await ctx.db.query<Recorded>(STATE, [earlier.id]);
    if (!current || current.state === "rejected") return undefined;
    if (current.state !== "pending") return visible(current);
  }
  throw stillProcessing();
}

function visible({ state: _state, requestHash: _hash, ...order }: Recorded): Order {
  return order;
}

function hashOf(request: Params["order"]): string {
  const canonical = { items: request.items.map(({ productId, quantity }) => [productId.toLowerCase(), quantity]), paymentToken: request.paymentToken };
  return createHash("sha256").update(JSON.stringify(canonical)).digest("hex");
}
