import { defineModule } from "../../broker/module.ts";
import { cancelOrder } from "./actions/cancel-order.action.ts";
import { getOrder } from "./actions/get-order.action.ts";
import { listOrders } from "./actions/list-orders.action.ts";
import { Orders } from "./contract.ts";
import { OrderEntity } from "./entities/order.entity.ts";
import { migrations } from "./migrations/index.ts";
import { onPaymentCaptured, onPaymentDeclined } from "./subscribers/on-payment-settled.subscriber.ts";
import { onReservationExpired } from "./subscribers/on-reservation-expired.subscriber.ts";
import { abandonStaleCheckouts } from "./workers/abandon-stale-checkouts.worker.ts";
import { placeOrder } from "./workflows/place-order.workflow.ts";

export const ordersModule = defineModule({
  contract: Orders,
  entities: [OrderEntity],
  migrations,
  handlers: () => ({ placeOrder, getOrder, listOrders, cancelOrder }),
  subscriptions: [onPaymentCaptured, onPaymentDeclined, onReservationExpired],
  // At saturation checkouts crowd out the payments and events that finish them. Measured at 50 in
  // flight on one core: no limit took 160-175 orders/s, paid 3-4 s after the 201; a limit of 12 took
  // 90-120/s, paid within ~1 s. No limit by default; ORDERS_CHECKOUT_CONCURRENCY sets one.
  concurrency: (runtime) => ({ placeOrder: runtime.config.orders.checkoutConcurrency || undefined }),
  background: (runtime) => [
    { name: "abandon-stale-checkouts", fallbackMs: (runtime.config.orders.pendingTimeoutS * 1000) / 2, run: () => abandonStaleCheckouts(runtime) },
  ],
});
