/**
 * Charges pending payments and refunds the ones queued for refund, talking to the provider outside
 * any transaction. Rows are leased with FOR UPDATE SKIP LOCKED, so several instances share the work;
 * a transient failure is retried with backoff until PAYMENTS_RETRY_WINDOW_S has passed, then the
 * payment is declined. Every outcome and its event commit together. It runs as soon as an order is
 * placed or cancelled (see payments.service.ts) and again when a retry it scheduled falls due.
 */
import type { NextDue } from "../../../broker/background.ts";
import { counter } from "../../../broker/metrics.ts";
import type { ModuleRuntime } from "../../../broker/module.ts";
import { Payments } from "../contract.ts";
import { TransientProviderError, type SimulatedProvider } from "../domain/simulated-provider.ts";
import { PaymentEntity, type PaymentEntity as Payment } from "../entities/payment.entity.ts";

const BATCH = 10;
const outcomes = counter("bazaar_payments_total", "Payment outcomes: captured, declined, refunded", ["outcome"]);

/** When the next piece of work this run left behind falls due, in ms from now. */
type Due = { inMs: number | undefined };

export async function settlePayments(runtime: ModuleRuntime, provider: SimulatedProvider): Promise<NextDue> {
  const next: Due = { inMs: undefined };
  let due: Payment[];
  do {
    due = await lease(runtime);
    await Promise.all(due.map((payment) => (payment.status === "pending" ? charge(runtime, provider, payment, next) : refund(runtime, provider, payment, next))));
  } while (due.length === BATCH);
  return next.inMs;
}

const dueIn = (next: Due, ms: number) => void (next.inMs = Math.min(next.inMs ?? Infinity, ms));

/** Long enough for a provider answer; a worker that died mid-charge leaves its rows for others after it. */
function leaseMs(runtime: ModuleRuntime): number {
  return Math.max(5_000, runtime.config.payments.latencyMs * 5);
}

/**
 * A provider answer that outlives the lease is treated as a transient failure: another worker may
 * already have taken the row, and two charges must not both count.
 */
function withinLease<T>(runtime: ModuleRuntime, answer: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TransientProviderError("the provider did not answer in time")), leaseMs(runtime) / 2);
  });
  return Promise.race([answer, timeout]).finally(() => clearTimeout(timer));
}

async function lease(runtime: ModuleRuntime): Promise<Payment[]> {
  return runtime.transactional(async ({ em }) => {
    const rows = await em
      .getConnection()
      .execute<{ id: string }[]>(
        `update payments.payments set next_attempt_at = now() + make_interval(secs => ?)
         where id in (select id from payments.payments where status in ('pending', 'refunding') and next_attempt_at <= now()
                      order by next_attempt_at limit ? for update skip locked)
         returning id`,
        [leaseMs(runtime) / 1000, BATCH],
        "all",
        em.getTransactionContext(),
      );
    return rows.length === 0 ? [] : em.find(PaymentEntity, { id: { $in: rows.map((row) => row.id) } });
  });
}

async function charge(runtime: ModuleRuntime, provider: SimulatedProvider, payment: Payment, next: Due): Promise<void> {
  let outcome: "captured" | "declined";
  try {
    outcome = await withinLease(runtime, provider.charge(payment.paymentToken));
  } catch (error) {
    return retryOrGiveUp(runtime, payment, error, next);
  }
  await runtime.transactional(async ({ em, publish }) => {
    const current = await em.findOneOrFail(PaymentEntity, { id: payment.id });
    const now = new Date();
    if (current.status === "voided" && outcome === "captured") {
      // The order was cancelled while the charge was under way: give the money back.
      Object.assign(current, { status: "refunding", attempts: 0, nextAttemptAt: now, updatedAt: now });
      dueIn(next, 0);
      return;
    }
    if (current.status !== "pending") return;
    Object.assign(current, { status: outcome, updatedAt: now, lastError: null });
    outcomes.inc({ outcome });
    if (outcome === "captured") {
      publish(Payments.events["payments.payment.captured"], { paymentId: current.id, orderId: current.orderId, amountCents: current.amountCents, currency: current.currency });
    } else {
      publish(Payments.events["payments.payment.declined"], { paymentId: current.id, orderId: current.orderId, reason: "declined" });
    }
  });
}

async function refund(runtime: ModuleRuntime, provider: SimulatedProvider, payment: Payment, next: Due): Promise<void> {
  try {
    await withinLease(runtime, provider.refund(payment.paymentToken));
  } catch (error) {
    return retryOrGiveUp(runtime, payment, error, next);
  }
  await runtime.transactional(async ({ em, publish }) => {
    const current = await em.findOneOrFail(PaymentEntity, { id: payment.id });
    if (current.status !== "refunding") return;
    Object.assign(current, { status: "refunded", updatedAt: new Date(), lastError: null });
    outcomes.inc({ outcome: "refunded" });
    publish(Payments.events["payments.payment.refunded"], { paymentId: current.id, orderId: current.orderId });
  });
}

async function retryOrGiveUp(runtime: ModuleRuntime, payment: Payment, error: unknown, next: Due): Promise<void> {
  if (!(error instanceof TransientProviderError)) throw error;
  const windowEnds = payment.createdAt.getTime() + runtime.config.payments.retryWindowS * 1000;
  await runtime.transactional(async ({ em, publish }) => {
    const current = await em.findOneOrFail(PaymentEntity, { id: payment.id });
    if (current.status !== payment.status) return;
    const attempts = current.attempts + 1;
    const now = new Date();
    // Refunds are never given up: the customer is owed the money.
    if (current.status === "pending" && now.getTime() >= windowEnds) {
      Object.assign(current, { status: "declined", attempts, lastError: error.message, updatedAt: now });
      outcomes.inc({ outcome: "declined" });
      publish(Payments.events["payments.payment.declined"], { paymentId: current.id, orderId: current.orderId, reason: "provider_unavailable" });
      return;
    }
    const delayMs = Math.min(500 * 2 ** Math.min(attempts, 10), 30_000);
    Object.assign(current, { attempts, lastError: error.message, nextAttemptAt: new Date(now.getTime() + delayMs), updatedAt: now });
    dueIn(next, delayMs);
  });
  runtime.log.warn({ orderId: payment.orderId, attempt: payment.attempts + 1, error: error.message }, "payment provider failed; will retry");
}
