import { defineModule } from "../../broker/module.ts";
import { listPayments } from "./actions/list-payments.action.ts";
import { Orders } from "../orders/contract.ts";
import { Payments } from "./contract.ts";
import { providerLedger } from "./domain/provider-ledger.ts";
import { SimulatedProvider } from "./domain/simulated-provider.ts";
import { PaymentEntity } from "./entities/payment.entity.ts";
import { migrations } from "./migrations/index.ts";
import { onOrderCancelled } from "./subscribers/on-order-cancelled.subscriber.ts";
import { onOrderPlaced } from "./subscribers/on-order-placed.subscriber.ts";
import { settlePayments } from "./workers/settle-payments.worker.ts";

export const paymentsModule = defineModule({
  contract: Payments,
  entities: [PaymentEntity],
  migrations,
  handlers: () => ({ listPayments }),
  subscriptions: [onOrderPlaced, onOrderCancelled],
  background: (runtime) => {
    const provider = new SimulatedProvider(runtime.config.payments, providerLedger(runtime.db));
    return [
      {
        name: "settle-payments",
        run: () => settlePayments(runtime, provider),
        // Orders bring charges and refunds; the fallback finds rows a crashed instance had leased.
        wokenBy: [Orders.events["orders.order.placed"], Orders.events["orders.order.cancelled"]],
        fallbackMs: 5_000,
      },
    ];
  },
});
