import { defineModule } from "../../broker/module.ts";
import { getStock } from "./actions/get-stock.action.ts";
import { holdStock, releaseHold, sellHold } from "./actions/holds.action.ts";
import { releaseStock } from "./actions/release-stock.action.ts";
import { stockReserver } from "./actions/reserve-stock.action.ts";
import { setStock } from "./actions/set-stock.action.ts";
import { Inventory } from "./contract.ts";
import { HoldEntity } from "./entities/hold.entity.ts";
import { ReservationEntity } from "./entities/reservation.entity.ts";
import { StockEntity } from "./entities/stock.entity.ts";
import { migrations } from "./migrations/index.ts";
import { onOrderCancelled, onOrderPaid } from "./subscribers/on-order-settled.subscriber.ts";
import { expireReservations } from "./workers/expire-reservations.worker.ts";

export const inventoryModule = defineModule({
  contract: Inventory,
  entities: [StockEntity, ReservationEntity, HoldEntity],
  migrations,
  handlers: (runtime) => {
    const reserve = stockReserver(runtime);
    return { getStock, setStock, reserveStock: (params) => reserve(params), releaseStock, holdStock, sellHold, releaseHold };
  },
  subscriptions: [onOrderPaid, onOrderCancelled],
  background: (runtime) => [
    {
      name: "expire-reservations",
      fallbackMs: Math.min(runtime.config.inventory.reservationTtlS * 1000, 30_000) / 2,
      run: () => expireReservations(runtime),
    },
  ],
});
