/**
 * Holds for holders other than orders (catering), in one transaction each: the hold row and the
 * stock it moves commit together. Stock rows are locked in product order, as orders' reservations
 * lock them (migrations/0004), so holds and reservations never deadlock and never oversell.
 */
import { LockMode } from "@mikro-orm/core";
import type { ModuleEntityManager } from "../../../broker/database.ts";
import { Inventory } from "../contract.ts";
import { HoldEntity, type HoldStatus } from "../entities/hold.entity.ts";
import type { ReservationLine } from "../entities/reservation.entity.ts";
import { moveStock, refuseRepeatedProducts } from "./stock-moves.ts";

export async function holdLines(em: ModuleEntityManager, holdId: string, lines: ReservationLine[]): Promise<HoldStatus> {
  refuseRepeatedProducts(lines);
  const existing = await em.findOne(HoldEntity, { holdId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  if (existing?.status === "released") throw Inventory.errors.holdReleased.error();
  if (existing) return existing.status;
  const sorted = [...lines].sort((a, b) => a.productId.localeCompare(b.productId));
  const stock = await em.getConnection().execute<{ productId: string; available: number }[]>(
    `select product_id as "productId", available from inventory.stock where product_id in (${sorted.map(() => "?").join(", ")}) order by product_id for update`,
    sorted.map((line) => line.productId),
    "all",
    em.getTransactionContext(),
  );
  const available = new Map(stock.map((row) => [row.productId, row.available]));
  const short = sorted.filter((line) => (available.get(line.productId) ?? 0) < line.quantity).map((line) => line.productId);
  if (short.length > 0) throw Inventory.errors.outOfStock.error(undefined, { members: { productIds: short } });
  // The rows are locked and were checked: every line moves.
  if (!(await moveStock(em, "hold", sorted))) throw new Error(`stock changed under the lock of hold ${holdId}`);
  const now = new Date();
  em.create(HoldEntity, { holdId, status: "held", lines: sorted, createdAt: now, updatedAt: now });
  await em.flush();
  return "held";
}

export async function sellHeld(em: ModuleEntityManager, holdId: string): Promise<HoldStatus> {
  const hold = await em.findOne(HoldEntity, { holdId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  if (!hold || hold.status === "released") throw Inventory.errors.holdReleased.error();
  if (hold.status === "sold") return "sold";
  if (!(await moveStock(em, "sell", hold.lines))) throw new Error(`stock of hold ${holdId} is inconsistent with it`);
  hold.status = "sold";
  hold.updatedAt = new Date();
  await em.flush();
  return "sold";
}

export async function releaseHeld(em: ModuleEntityManager, holdId: string): Promise<HoldStatus> {
  const hold = await em.findOne(HoldEntity, { holdId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  const now = new Date();
  if (!hold) {
    em.create(HoldEntity, { holdId, status: "released", lines: [], createdAt: now, updatedAt: now });
    await em.flush();
    return "released";
  }
  if (hold.status === "released") return "released";
  if (!(await moveStock(em, hold.status === "held" ? "unhold" : "unsell", hold.lines))) throw new Error(`stock of hold ${holdId} is inconsistent with it`);
  hold.status = "released";
  hold.updatedAt = now;
  await em.flush();
  return "released";
}
