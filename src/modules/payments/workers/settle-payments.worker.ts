/**
 * Charges pending payments and refunds the ones queued for refund, talking to the provider outside
 * any transaction. Rows are leased with FOR UPDATE SKIP LOCKED, so several instances share the work;
 * a transient failure is retried with backoff until PAYMENTS_RETRY_WINDOW_S has passed, then the
 * payment is declined. Every outcome and its event commit together. It runs as soon as an order is
 * placed or cancelled (see payments.service.ts) and again when a retry it scheduled falls due.
 */
import type { NextDue } from "../../../broker/background.ts";
import { continuingTrace, inTrace } from "../../../broker/events/trace-context.ts";
import { counter } from "../../../broker/metrics.ts";
import type { ModuleRuntime } from "../../../broker/module.ts";
import { isoTimestamp, statement } from "../../../broker/module-sql.ts";
import { Payments } from "../contract.ts";
import { TransientProviderError, type SimulatedProvider } from "../domain/simulated-provider.ts";
import { PaymentEntity, type PaymentStatus } from "../entities/payment.entity.ts";

/** A leased payment, as the worker needs it. */
interface Payment {
  id: string;
  orderId: string;
  amountCents: number;
  currency: string;
  paymentToken: string;
  status: PaymentStatus;
  attempts: number;
  createdAt: string;
  traceParent: string | null;
}

/** Takes due rows for a while, so that no other instance works on them meanwhile; one statement. */
const LEASE = statement(
  "payments_lease_due",
  `update payments.payments p set next_attempt_at = now() + make_interval(secs => $1)
   where p.id in (select id from payments.payments where status in ('pending', 'refunding') and next_attempt_at <= now()
                  order by next_attempt_at limit $2 for update skip locked)
   returning p.id, p.order_id as "orderId", p.amount_cents::float8 as "amountCents", p.currency, p.payment_token as "paymentToken",
             p.status, p.attempts, ${isoTimestamp("p.created_at")} as "createdAt", p.trace_parent as "traceParent"`,
);
const BATCH = 100;
const outcomes = counter("bazaar_payments_total", "Payment outcomes: captured, declined, refunded", ["outcome"]);

/** When the next piece of work this run left behind falls due, in ms from now. */
type Due = { inMs: number | undefined };

type Answer = { payment: Payment; outcome: "captured" | "declined" | "refunded" };

export async function settlePayments(runtime: ModuleRuntime, provider: SimulatedProvider): Promise<NextDue> {
  const next: Due = { inMs: undefined };
  let due: Payment[];
  do {
    due = await lease(runtime);
    const answers: Answer[] = [];
    await Promise.all(
      due.map(async (payment) => {
        try {
          // The payment's id is the provider's idempotency key: a charge asked again is not made again.
          // In the order's trace: the charge, and the event its outcome stages (see record).
          if (payment.status === "pending") answers.push({ payment, outcome: await continuingTrace(payment.traceParent, "payments.charge", () => withinLease(runtime, provider.charge(payment.id, payment.paymentToken))) });
          else answers.push({ payment, outcome: (await continuingTrace(payment.traceParent, "payments.refund", () => withinLease(runtime, provider.refund(payment.id, payment.paymentToken))), "refunded") });
        } catch (error) {
          await retryOrGiveUp(runtime, payment, error, next);
        }
      }),
    );
    if (answers.length > 0) await record(runtime, answers, next);
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

function lease(runtime: ModuleRuntime): Promise<Payment[]> {
  return runtime.db.query<Payment>(LEASE, [leaseMs(runtime) / 1000, BATCH]);
}

/**
 * The provider's answers of one round and their events, in one transaction: a statement per kind
 * of outcome, whatever the number of payments. A payment no longer in the state it was leased in
 * was cancelled meanwhile; a capture for it is given back.
 */
async function record(runtime: ModuleRuntime, answers: Answer[], next: Due): Promise<void> {
  const ids = (outcome: Answer["outcome"]) => answers.filter((answer) => answer.outcome === outcome).map((answer) => answer.payment.id);
  await runtime.transactional(async ({ em, publish }) => {
    /** Moves the payments among `ids` that are still `from` to `set`; answers the ids it moved. */
    const move = async (ids: string[], from: PaymentStatus, set: string): Promise<Set<string>> => {
      if (ids.length === 0) return new Set();
      const rows = await em
        .getConnection()
        .execute<{ id: string }[]>(
          `update payments.payments set ${set}, updated_at = now() where status = '${from}' and id in (${ids.map(() => "?").join(", ")}) returning id`,
          ids,
          "all",
          em.getTransactionContext(),
        );
      return new Set(rows.map((row) => row.id));
    };
    const captured = await move(ids("captured"), "pending", "status = 'captured', last_error = null");
    const declined = await move(ids("declined"), "pending", "status = 'declined', last_error = null");
    const refunded = await move(ids("refunded"), "refunding", "status = 'refunded', last_error = null");
    const late = ids("captured").filter((id) => !captured.has(id));
    if ((await move(late, "voided", "status = 'refunding', attempts = 0, next_attempt_at = now()")).size > 0) dueIn(next, 0);
    for (const { payment, outcome } of answers) {
      const { id: paymentId, orderId } = payment;
      const published = inTrace(payment.traceParent, () => {
        if (outcome === "captured" && captured.has(paymentId)) {
          publish(Payments.events["payments.payment.captured"], { paymentId, orderId, amountCents: payment.amountCents, currency: payment.currency });
        } else if (outcome === "declined" && declined.has(paymentId)) {
          publish(Payments.events["payments.payment.declined"], { paymentId, orderId, reason: "declined" });
        } else if (outcome === "refunded" && refunded.has(paymentId)) {
          publish(Payments.events["payments.payment.refunded"], { paymentId, orderId });
        } else return false;
        return true;
      });
      if (!published) continue;
      outcomes.inc({ outcome });
    }
  });
}

async function retryOrGiveUp(runtime: ModuleRuntime, payment: Payment, error: unknown, next: Due): Promise<void> {
  if (!(error instanceof TransientProviderError)) throw error;
  const windowEnds = new Date(payment.createdAt).getTime() + runtime.config.payments.retryWindowS * 1000;
  await runtime.transactional(async ({ em, publish }) => {
    const current = await em.findOneOrFail(PaymentEntity, { id: payment.id });
    if (current.status !== payment.status) return;
    const attempts = current.attempts + 1;
    const now = new Date();
    // Refunds are never given up: the customer is owed the money.
    if (current.status === "pending" && now.getTime() >= windowEnds) {
      Object.assign(current, { status: "declined", attempts, lastError: error.message, updatedAt: now });
      outcomes.inc({ outcome: "declined" });
      inTrace(payment.traceParent, () => publish(Payments.events["payments.payment.declined"], { paymentId: current.id, orderId: current.orderId, reason: "provider_unavailable" }));
      return;
    }
    const delayMs = Math.min(500 * 2 ** Math.min(attempts, 10), 30_000);
    Object.assign(current, { attempts, lastError: error.message, nextAttemptAt: new Date(now.getTime() + delayMs), updatedAt: now });
    dueIn(next, delayMs);
  });
  runtime.log.warn({ orderId: payment.orderId, attempt: payment.attempts + 1, error: error.message }, "payment provider failed; will retry");
}
