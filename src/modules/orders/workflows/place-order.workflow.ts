/**
 * Checkout, as explicit steps, each with its compensation:
 *
 * 1. claim the idempotency key and record the order as `pending`      ← reject: mark it `rejected`, free the key
 * 2. snapshot prices from the catalog
 * 3. hold the stock (inventory.reserveStock, idempotent by order id)  ← compensate: inventory.releaseStock
 * 4. `pending` → `awaiting_payment` with `orders.order.placed`, in one transaction; payment follows
 *    from that event, so a payments outage never stops checkout.
 *
 * A crash between steps leaves a `pending` order, which `abandonStaleCheckouts` compensates after
 * ORDERS_PENDING_TIMEOUT_S; a retry with the same Idempotency-Key resumes it first.
 */
import { createHash, randomUUID } from "node:crypto";
import { UniqueConstraintViolationException } from "@mikro-orm/core";
import type { ParamsOf } from "../../../broker/contract-kit.ts";
import { AppError, dependencyUnavailable, describeError } from "../../../broker/errors.ts";
import { counter } from "../../../broker/metrics.ts";
import type { ActionContext } from "../../../broker/module.ts";
import { Catalog } from "../../catalog/contract.ts";
import { Inventory } from "../../inventory/contract.ts";
import { toOrder } from "../actions/order.view.ts";
import { Orders, type Order } from "../contract.ts";
import { distinctProducts, priceLines } from "../domain/price-order.ts";
import { OrderEntity } from "../entities/order.entity.ts";

type Params = ParamsOf<typeof Orders.actions.placeOrder>;

const ordersPlaced = counter("bazaar_orders_placed_total", "Orders accepted at checkout");

export async function placeOrder(params: Params, ctx: ActionContext): Promise<Order> {
  const user = ctx.user as NonNullable<ActionContext["user"]>;
  const { order: request, idempotencyKey } = params;
  distinctProducts(request.items);
  const requestHash = hashOf(request);

  if (idempotencyKey !== undefined) {
    const earlier = await findByKey(ctx, user.id, idempotencyKey);
    if (earlier) return replay(ctx, earlier, requestHash);
  }

  const { items: products } = await ctx.call(Catalog.actions.getProducts, { ids: request.items.map((line) => line.productId) });
  const priced = priceLines(request.items, products);
  const now = new Date();
  const order = ctx.em.create(OrderEntity, {
    id: randomUUID(),
    userId: user.id,
    status: "pending",
    ...priced,
    idempotencyKey: idempotencyKey ?? null,
    requestHash,
    cancelReason: null,
    createdAt: now,
    updatedAt: now,
  });
  try {
    await ctx.em.flush();
  } catch (error) {
    if (!(error instanceof UniqueConstraintViolationException) || idempotencyKey === undefined) throw error;
    // A concurrent request with the same key won the race: answer what it answers.
    ctx.em.clear();
    const winner = await findByKey(ctx, user.id, idempotencyKey);
    if (!winner) throw error;
    return replay(ctx, winner, requestHash);
  }
  return holdStockAndPlace(ctx, order, request.paymentToken);
}

async function holdStockAndPlace(ctx: ActionContext, order: OrderEntity, paymentToken: string): Promise<Order> {
  try {
    await ctx.call(Inventory.actions.reserveStock, {
      orderId: order.id,
      lines: order.items.map(({ productId, quantity }) => ({ productId, quantity })),
    });
  } catch (error) {
    const { status } = describeError(error);
    if (status === 409) {
      await reject(ctx, order.id);
      throw (error as AppError).type === "out_of_stock" ? error : dependencyUnavailable();
    }
    await compensateReservation(ctx, order.id);
    throw error;
  }
  const placed = await ctx.transactional(async ({ em, publish }) => {
    const changed = await em.nativeUpdate(OrderEntity, { id: order.id, status: "pending" }, { status: "awaiting_payment", updatedAt: new Date() });
    if (changed === 0) return false;
    publish(Orders.events["orders.order.placed"], {
      orderId: order.id,
      userId: order.userId,
      totalCents: order.totalCents,
      currency: order.currency,
      paymentToken,
    });
    return true;
  });
  // The stale-checkout sweeper got there first and released the stock.
  if (!placed) throw dependencyUnavailable("Checkout took too long; please try again.");
  ordersPlaced.inc();
  return toOrder(await ctx.em.findOneOrFail(OrderEntity, { id: order.id }, { refresh: true }));
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

/** A rejected order is never shown, and frees its idempotency key: a failed attempt does not use it up. */
async function reject(ctx: ActionContext, orderId: string): Promise<void> {
  await ctx.em.nativeUpdate(OrderEntity, { id: orderId, status: "pending" }, { status: "rejected", idempotencyKey: null, updatedAt: new Date() });
}

async function findByKey(ctx: ActionContext, userId: string, idempotencyKey: string): Promise<OrderEntity | null> {
  return ctx.em.findOne(OrderEntity, { userId, idempotencyKey }, { refresh: true });
}

/** The same key and body answer the first order again; another body is a misuse of the key. */
async function replay(ctx: ActionContext, earlier: OrderEntity, requestHash: string): Promise<Order> {
  if (earlier.requestHash !== requestHash) {
    throw new AppError(422, "idempotency_key_reused", "This Idempotency-Key was used with another request body.");
  }
  if (earlier.status !== "pending") return toOrder(earlier);
  // The first attempt is still under way (or crashed mid-way): wait for it briefly.
  for (let waited = 0; waited < 5_000; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const current = await ctx.em.findOne(OrderEntity, { id: earlier.id }, { refresh: true });
    if (current && current.status !== "pending" && current.status !== "rejected") return toOrder(current);
    if (!current || current.status === "rejected") break;
  }
  throw dependencyUnavailable("An earlier request with this Idempotency-Key is still being processed; try again.");
}

function hashOf(request: Params["order"]): string {
  const canonical = { items: request.items.map(({ productId, quantity }) => [productId.toLowerCase(), quantity]), paymentToken: request.paymentToken };
  return createHash("sha256").update(JSON.stringify(canonical)).digest("hex");
}
