/**
 * Moves a module's outbox to the event transport. Rows are claimed with FOR UPDATE SKIP LOCKED and
 * a lease in a short transaction, published outside it (several at once), then marked: several
 * instances of a module share the work without publishing a row twice, and a crash after publishing
 * only causes a duplicate, which subscribers absorb through their inbox.
 *
 * The relay runs when a commit of this process staged an event (`nudge`), when a failed event is due
 * for its retry, and otherwise every `fallbackMs`, for rows a crashed instance left behind.
 */
import type { Logger } from "pino";
import { startWorker, type NextDue, type Worker } from "../background.ts";
import type { ModuleOrm } from "../database.ts";
import { eventsPublished, outboxDead, outboxLag } from "../metrics.ts";
import { TransportUnavailableError, type EventEnvelope, type EventTransport } from "./transport.ts";

export interface RelaySettings {
  /** How often the relay looks for rows it was not told about (left by a crashed instance). */
  fallbackMs: number;
  batchSize: number;
  /** Events of one batch in flight to the transport at once. */
  concurrency: number;
  leaseS: number;
  maxAttempts: number;
}

/** An event older than this when relayed means the relay (or the transport) has been falling behind. */
const LAG_WARNING_MS = 5_000;

export const DEFAULT_RELAY_SETTINGS: RelaySettings = { fallbackMs: 5_000, batchSize: 100, concurrency: 16, leaseS: 30, maxAttempts: 10 };

interface ClaimedRow {
  id: string;
  name: string;
  payload: unknown;
  request_id: string | null;
  occurred_at: Date | string;
  attempts: number;
}

export class OutboxRelay {
  readonly #orm: ModuleOrm;
  readonly #schema: string;
  readonly #transport: EventTransport;
  readonly #log: Logger;
  readonly #settings: RelaySettings;
  #worker: Worker | undefined;
  /** The earliest retry a failure of the current run scheduled, in ms from now. */
  #retryInMs: number | undefined;

  constructor(orm: ModuleOrm, schema: string, transport: EventTransport, log: Logger, settings = DEFAULT_RELAY_SETTINGS) {
    this.#orm = orm;
    this.#schema = schema;
    this.#transport = transport;
    this.#log = log;
    this.#settings = settings;
  }

  start(): void {
    this.#worker ??= startWorker(`relay ${this.#schema}`, () => this.#relayAll(), { fallbackMs: this.#settings.fallbackMs, log: this.#log });
  }

  /** A commit staged events: relay now rather than at the next fallback run. */
  nudge(): void {
    this.#worker?.wake();
  }

  async stop(): Promise<void> {
    await this.#worker?.stop();
    this.#worker = undefined;
  }

  async #relayAll(): Promise<NextDue> {
    this.#retryInMs = undefined;
    while ((await this.relayBatch()) === this.#settings.batchSize);
    return this.#retryInMs;
  }

  /** Claims, publishes and marks one batch; returns how many rows it claimed. */
  async relayBatch(): Promise<number> {
    const rows = await this.#claim();
    const oldest = rows[0];
    if (oldest) {
      const lagMs = Date.now() - new Date(oldest.occurred_at).getTime();
      outboxLag.set({ module: this.#schema }, lagMs / 1000);
      if (lagMs > LAG_WARNING_MS) this.#log.warn({ lagMs, batch: rows.length, event: oldest.name }, "outbox relay is behind");
    }
    const published: string[] = [];
    await inParallel(rows, this.#settings.concurrency, async (row) => {
      try {
        await this.#transport.publish(toEnvelope(row));
        published.push(row.id);
        eventsPublished.inc({ event: row.name });
      } catch (error) {
        await this.#recordFailure(row, error);
      }
    });
    if (published.length > 0) {
      await this.#execute(
        `update "${this.#schema}".outbox set published_at = now(), claimed_until = null, last_error = null where id in (${placeholders(published)})`,
        published,
      );
    }
    return rows.length;
  }

  async #claim(): Promise<ClaimedRow[]> {
    const { batchSize, leaseS } = this.#settings;
    const rows = await this.#execute<ClaimedRow[]>(
      `update "${this.#schema}".outbox set claimed_until = now() + make_interval(secs => ?), attempts = attempts + 1
       where id in (
         select id from "${this.#schema}".outbox
         where published_at is null and dead_at is null and (claimed_until is null or claimed_until < now())
         order by occurred_at limit ? for update skip locked)
       returning id, name, payload, request_id, occurred_at, attempts`,
      [leaseS, batchSize],
    );
    return rows.sort((a, b) => new Date(a.occurred_at).getTime() - new Date(b.occurred_at).getTime());
  }

  async #recordFailure(row: ClaimedRow, error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    // An outage of the transport says nothing about the event: it is retried until the transport is back.
    const transportDown = error instanceof TransportUnavailableError;
    const dead = !transportDown && row.attempts >= this.#settings.maxAttempts;
    const retryInS = Math.min(2 ** row.attempts, transportDown ? 30 : 300);
    this.#retryInMs = Math.min(this.#retryInMs ?? Infinity, retryInS * 1000);
    await this.#execute(
      `update "${this.#schema}".outbox set last_error = ?, claimed_until = now() + make_interval(secs => ?), dead_at = ${dead ? "now()" : "null"} where id = ?`,
      [message.slice(0, 2000), retryInS, row.id],
    );
    if (dead) outboxDead.inc({ module: this.#schema, event: row.name });
    if (dead) this.#log.error({ eventId: row.id, event: row.name, attempts: row.attempts, error: message }, "event dead-lettered in the outbox");
    else this.#log.warn({ eventId: row.id, event: row.name, attempts: row.attempts, error: message, retryInS }, "event delivery failed");
  }

  #execute<T = unknown>(sql: string, params: unknown[]): Promise<T> {
    return this.#orm.em.fork().getConnection().execute(sql, params) as Promise<T>;
  }
}

/** Runs `work` on every item, at most `limit` at a time. */
async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++] as T);
  }));
}

function placeholders(values: unknown[]): string {
  return values.map(() => "?").join(", ");
}

function toEnvelope(row: ClaimedRow): EventEnvelope {
  return {
    id: row.id,
    name: row.name,
    payload: row.payload,
    occurredAt: new Date(row.occurred_at).toISOString(),
    requestId: row.request_id,
  };
}
