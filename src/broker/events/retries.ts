/**
 * A subscriber's own failed deliveries, where the transport keeps no state per subscriber (in one
 * process, the local transport hands an event to every subscriber at once). A delivery that fails
 * is kept in the subscribing module's `event_retries` table, in its own schema, and the publisher
 * is done with the event: the other subscribers are not held back, and they are not asked again.
 * The subscriber retries it with backoff and, after `maxAttempts`, keeps it as a dead letter of its
 * own, for an operator to redrive once the cause is fixed. JetStream does the same per durable
 * consumer, so split over NATS this table stays empty.
 */
import type { ModuleOrm } from "../database.ts";
import type { EventEnvelope } from "./transport.ts";

export interface RetrySettings {
  maxAttempts: number;
  /** How long a claimed retry is this process's before another may take it. */
  leaseS: number;
  batchSize: number;
}

export const DEFAULT_RETRY_SETTINGS: RetrySettings = { maxAttempts: 10, leaseS: 60, batchSize: 64 };

/** What a subscriber has yet to handle, and what it gave up on (for the console). */
export interface RetryReport {
  waiting: number;
  dead: number;
  deadLetters: { id: string; name: string; occurredAt: string; attempts: number; error: string }[];
}

/** The first retry comes after 1 s, then 2, 4, ... up to 5 min apart. */
const backoffS = (attempts: number) => Math.min(2 ** (attempts - 1), 300);

export class SubscriberRetries {
  readonly #orm: ModuleOrm;
  readonly #schema: string;
  readonly #consumer: string;
  readonly #settings: RetrySettings;
  #wake: (() => void) | undefined;

  constructor(orm: ModuleOrm, schema: string, consumer: string, settings = DEFAULT_RETRY_SETTINGS) {
    this.#orm = orm;
    this.#schema = schema;
    this.#consumer = consumer;
    this.#settings = settings;
  }

  /** Who retries: woken when a redrive makes a delivery due at once. */
  retriedBy(wake: () => void): void {
    this.#wake = wake;
  }

  /** Keeps a delivery that failed for the first time; one kept already (a redelivery) stays as it is. */
  async keep(envelope: EventEnvelope, error: unknown): Promise<void> {
    await this.#execute(
      `insert into "${this.#schema}".event_retries (event_id, consumer, envelope, attempts, next_at, last_error)
       values (?, ?, ?, 1, now() + make_interval(secs => ?), ?) on conflict do nothing`,
      [envelope.id, this.#consumer, JSON.stringify(envelope), backoffS(1), messageOf(error)],
    );
  }

  /**
   * Delivers again what is due, each once at a time (claimed with a lease); answers in how many ms
   * the next one falls due, if one waits.
   */
  async retryDue(deliver: (envelope: EventEnvelope) => Promise<void>): Promise<number | undefined> {
    const due = await this.#execute<{ event_id: string; envelope: EventEnvelope | string; attempts: number }[]>(
      `update "${this.#schema}".event_retries set next_at = now() + make_interval(secs => ?)
       where (event_id, consumer) in (
         select event_id, consumer from "${this.#schema}".event_retries
         where consumer = ? and dead_at is null and next_at <= now() order by next_at limit ? for update skip locked)
       returning event_id, envelope, attempts`,
      [this.#settings.leaseS, this.#consumer, this.#settings.batchSize],
    );
    for (const row of due) {
      const envelope = typeof row.envelope === "string" ? (JSON.parse(row.envelope) as EventEnvelope) : row.envelope;
      try {
        await deliver(envelope);
        await this.#execute(`delete from "${this.#schema}".event_retries where event_id = ? and consumer = ?`, [row.event_id, this.#consumer]);
      } catch (error) {
        const attempts = row.attempts + 1;
        const dead = attempts >= this.#settings.maxAttempts;
        await this.#execute(
          `update "${this.#schema}".event_retries set attempts = ?, last_error = ?, next_at = now() + make_interval(secs => ?), dead_at = ${dead ? "now()" : "null"}
           where event_id = ? and consumer = ?`,
          [attempts, messageOf(error), backoffS(attempts), row.event_id, this.#consumer],
        );
      }
    }
    const [next] = await this.#execute<{ ms: number | null }[]>(
      `select extract(epoch from min(next_at) - now()) * 1000 as ms from "${this.#schema}".event_retries where consumer = ? and dead_at is null`,
      [this.#consumer],
    );
    return next?.ms === null || next?.ms === undefined ? undefined : Math.max(0, Number(next.ms));
  }

  /** `listed`: how many of the dead deliveries to name. */
  async report(listed = 20): Promise<RetryReport> {
    const [counts] = await this.#execute<{ waiting: number; dead: number }[]>(
      `select count(*) filter (where dead_at is null)::int as waiting, count(*) filter (where dead_at is not null)::int as dead
       from "${this.#schema}".event_retries where consumer = ?`,
      [this.#consumer],
    );
    const dead = await this.#execute<{ envelope: EventEnvelope | string; attempts: number; last_error: string | null }[]>(
      `select envelope, attempts, last_error from "${this.#schema}".event_retries where consumer = ? and dead_at is not null order by dead_at desc limit ?`,
      [this.#consumer, listed],
    );
    return {
      waiting: counts?.waiting ?? 0,
      dead: counts?.dead ?? 0,
      deadLetters: dead.map((row) => {
        const envelope = typeof row.envelope === "string" ? (JSON.parse(row.envelope) as EventEnvelope) : row.envelope;
        return { id: envelope.id, name: envelope.name, occurredAt: envelope.occurredAt, attempts: row.attempts, error: row.last_error ?? "" };
      }),
    };
  }

  /** Gives a dead delivery a fresh round of attempts, due at once; answers whether there was one. */
  async redrive(eventId: string): Promise<boolean> {
    const rows = await this.#execute<unknown[]>(
      `update "${this.#schema}".event_retries set dead_at = null, attempts = 0, next_at = now(), last_error = null
       where event_id = ? and consumer = ? and dead_at is not null returning event_id`,
      [eventId, this.#consumer],
    );
    this.#wake?.();
    return rows.length > 0;
  }

  #execute<T = unknown>(sql: string, params: unknown[]): Promise<T> {
    return this.#orm.em.fork().getConnection().execute(sql, params) as Promise<T>;
  }
}

function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 2000);
}
