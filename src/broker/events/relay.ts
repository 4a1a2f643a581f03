/**
 * Moves a module's outbox to the event transport.
 *
 * The fast path: a row is born claimed by the process that commits it (publisher.ts), which hands
 * it here right after the commit; it is published at once and marked sent, rows committed together
 * sharing one update. Nothing is read back: an event costs the database one update, shared.
 *
 * The fallback: rows whose process died before publishing them, and rows whose publishing failed,
 * are claimed with FOR UPDATE SKIP LOCKED and a lease once their claim has lapsed, published outside
 * that short transaction, then marked. Several instances of a module share this work without
 * publishing a row twice; a crash after publishing only causes a duplicate, which subscribers absorb
 * through their inbox. It runs when a failed event is due for its retry and otherwise every
 * `fallbackMs`.
 *
 * It also keeps the module's event tables from growing without bound: once an hour it deletes
 * outbox rows published more than RETENTION_MS ago (dead ones stay, for an operator) and inbox
 * records older than INBOX_RETENTION_MS, far beyond the 7 days JetStream keeps an event, so no
 * redelivery can find its record gone.
 */
import type { Logger } from "pino";
import { startWorker, type NextDue, type Worker } from "../background.ts";
import { batcher } from "../batcher.ts";
import type { ModuleOrm } from "../database.ts";
import { eventsPublished, outboxDead, outboxLag } from "../metrics.ts";
import type { StagedEvent } from "./publisher.ts";
import { TransportUnavailableError, type EventEnvelope, type EventTransport } from "./transport.ts";

export interface RelaySettings {
  /** How often the relay looks for rows no process is publishing (left by a crash, or due for a retry). */
  fallbackMs: number;
  batchSize: number;
  /** Events of one batch in flight to the transport at once. */
  concurrency: number;
  leaseS: number;
  maxAttempts: number;
}

const RETENTION_MS = 7 * 24 * 3600 * 1000;
const INBOX_RETENTION_MS = 30 * 24 * 3600 * 1000;
const PRUNE_EVERY_MS = 3600 * 1000;
/** A minute after start, not during it: pruning scans the tables, and start-up has better things to do. */
const PRUNE_FIRST_MS = 60 * 1000;

/** An event older than this when relayed means the relay (or the transport) has been falling behind. */
const LAG_WARNING_MS = 5_000;
/**
 * Events handed over and not yet out, beyond which more are left to the fallback: they are safe in
 * the outbox, and an overloaded process must not queue them in memory without bound.
 */
const MAX_HANDED_OFF = 2_000;

export const DEFAULT_RELAY_SETTINGS: RelaySettings = { fallbackMs: 5_000, batchSize: 100, concurrency: 64, leaseS: 30, maxAttempts: 10 };

/** An outbox row on its way out; `attempts` counts this one. */
interface Outgoing {
  id: string;
  name: string;
  payload: unknown;
  requestId: string | null;
  occurredAt: Date;
  attempts: number;
  traceParent?: string | undefined;
}

interface ClaimedRow {
  id: string;
  name: string;
  payload: unknown;
  request_id: string | null;
  occurred_at: Date | string;
  attempts: number;
  trace_parent: string | null;
}

/** What waits in an outbox, and what its relay gave up on (for the console). */
export interface OutboxReport {
  pending: number;
  oldestPendingAt: string | null;
  dead: number;
  /** The last dead events, newest first. */
  deadLetters: { id: string; name: string; occurredAt: string; attempts: number; error: string }[];
}

const DEAD_LISTED = 20;

export class OutboxRelay {
  readonly #orm: ModuleOrm;
  readonly #schema: string;
  readonly #transport: EventTransport;
  readonly #log: Logger;
  readonly #settings: RelaySettings;
  /** One lane per event name: a slow subscriber of one event never holds up the others. */
  readonly #lanes = new Map<string, (row: Outgoing) => Promise<void>>();
  readonly #inFlight = new Set<Promise<void>>();
  #worker: Worker | undefined;
  #pruner: Worker | undefined;
  /** The earliest retry a failure scheduled since the last fallback run, in ms from then. */
  #retryInMs: number | undefined;

  constructor(orm: ModuleOrm, schema: string, transport: EventTransport, log: Logger, settings = DEFAULT_RELAY_SETTINGS) {
    this.#orm = orm;
    this.#schema = schema;
    this.#transport = transport;
    this.#log = log;
    this.#settings = settings;
  }

  #lane(event: string): (row: Outgoing) => Promise<void> {
    let lane = this.#lanes.get(event);
    if (!lane) {
      lane = batcher(async (rows: Outgoing[]) => {
        await this.#publish(rows);
        return rows.map(() => undefined);
      }, this.#settings.batchSize);
      this.#lanes.set(event, lane);
    }
    return lane;
  }

  start(): void {
    this.#worker ??= startWorker(`relay ${this.#schema}`, () => this.#relayAll(), { fallbackMs: this.#settings.fallbackMs, log: this.#log });
    this.#pruner ??= startWorker(`prune ${this.#schema}`, () => this.prune().then(() => undefined), { fallbackMs: PRUNE_EVERY_MS, firstRunMs: PRUNE_FIRST_MS, log: this.#log });
  }

  /** Deletes what retention allows (see the header); returns how many outbox and inbox rows went. */
  async prune(now = Date.now()): Promise<{ outbox: number; inbox: number }> {
    const count = async (sql: string, before: number) => (await this.#execute<{ n: number }[]>(`with gone as (${sql} returning 1) select count(*)::int as n from gone`, [new Date(before)]))[0]?.n ?? 0;
    return {
      outbox: await count(`delete from "${this.#schema}".outbox where published_at < ?`, now - RETENTION_MS),
      inbox: await count(`delete from "${this.#schema}".inbox where handled_at < ?`, now - INBOX_RETENTION_MS),
    };
  }

  /** Publishes events this process has just committed (they were staged already claimed by it). */
  handOff(events: readonly StagedEvent[]): void {
    for (const event of events) {
      if (this.#inFlight.size >= MAX_HANDED_OFF) return;
      const done: Promise<void> = this.#lane(event.name)({ ...event, attempts: 1 })
        .catch((error) => this.#log.warn({ err: error, eventId: event.id }, "handing an event to the transport failed; the relay will retry it"))
        .finally(() => this.#inFlight.delete(done));
      this.#inFlight.add(done);
    }
  }

  async stop(): Promise<void> {
    await Promise.all([this.#worker?.stop(), this.#pruner?.stop()]);
    this.#worker = this.#pruner = undefined;
    await Promise.all(this.#inFlight);
  }

  /** `listed`: how many of the dead events to name. */
  async report(listed = DEAD_LISTED): Promise<OutboxReport> {
    const [counts] = await this.#execute<{ pending: number; oldest: Date | string | null; dead: number }[]>(
      `select (select count(*)::int from "${this.#schema}".outbox where published_at is null and dead_at is null) as pending,
              (select min(occurred_at) from "${this.#schema}".outbox where published_at is null and dead_at is null) as oldest,
              (select count(*)::int from "${this.#schema}".outbox where dead_at is not null) as dead`,
      [],
    );
    const dead = await this.#execute<{ id: string; name: string; occurred_at: Date | string; attempts: number; last_error: string | null }[]>(
      `select id, name, occurred_at, attempts, last_error from "${this.#schema}".outbox where dead_at is not null order by dead_at desc limit ?`,
      [listed],
    );
    return {
      pending: counts?.pending ?? 0,
      oldestPendingAt: counts?.oldest ? new Date(counts.oldest).toISOString() : null,
      dead: counts?.dead ?? 0,
      deadLetters: dead.map((row) => ({ id: row.id, name: row.name, occurredAt: new Date(row.occurred_at).toISOString(), attempts: row.attempts, error: row.last_error ?? "" })),
    };
  }

  /**
   * Gives a dead event a fresh round of attempts, once its cause is fixed; answers whether there was
   * such an event. Subscribers that handled it before find it in their inbox and skip it.
   */
  async redrive(id: string): Promise<boolean> {
    const rows = await this.#execute<unknown[]>(
      `update "${this.#schema}".outbox set dead_at = null, attempts = 0, claimed_until = null, last_error = null where id = ? and dead_at is not null returning id`,
      [id],
    );
    this.#worker?.wake();
    return rows.length > 0;
  }

  async #relayAll(): Promise<NextDue> {
    const due = this.#retryInMs;
    this.#retryInMs = undefined;
    while ((await this.relayBatch()) === this.#settings.batchSize);
    return Math.min(this.#retryInMs ?? Infinity, due ?? Infinity, this.#settings.fallbackMs);
  }

  /** Claims, publishes and marks one batch of rows no process is publishing; returns how many it claimed. */
  async relayBatch(): Promise<number> {
    const rows = await this.#claim();
    await this.#publish(rows);
    return rows.length;
  }

  /** Publishes the rows (several at once), marks the published ones in one update, records the failures. */
  async #publish(rows: Outgoing[]): Promise<void> {
    const oldest = rows[0];
    if (oldest) {
      const lagMs = Date.now() - oldest.occurredAt.getTime();
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
  }

  async #claim(): Promise<Outgoing[]> {
    const { batchSize, leaseS } = this.#settings;
    const rows = await this.#execute<ClaimedRow[]>(
      `update "${this.#schema}".outbox set claimed_until = now() + make_interval(secs => ?), attempts = attempts + 1
       where id in (
         select id from "${this.#schema}".outbox
         where published_at is null and dead_at is null and (claimed_until is null or claimed_until < now())
         order by occurred_at limit ? for update skip locked)
       returning id, name, payload, request_id, occurred_at, attempts, trace_parent`,
      [leaseS, batchSize],
    );
    return rows
      .map((row) => ({ id: row.id, name: row.name, payload: row.payload, requestId: row.request_id, occurredAt: new Date(row.occurred_at), attempts: row.attempts, traceParent: row.trace_parent ?? undefined }))
      .sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
  }

  async #recordFailure(row: Outgoing, error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    // An outage of the transport says nothing about the event: it is retried until the transport is back.
    const transportDown = error instanceof TransportUnavailableError;
    const dead = !transportDown && row.attempts >= this.#settings.maxAttempts;
    const retryInS = Math.min(2 ** row.attempts, transportDown ? 30 : 300);
    this.#retryInMs = Math.min(this.#retryInMs ?? Infinity, retryInS * 1000);
    await this.#execute(
      `update "${this.#schema}".outbox set attempts = ?, last_error = ?, claimed_until = now() + make_interval(secs => ?), dead_at = ${dead ? "now()" : "null"} where id = ?`,
      [row.attempts, message.slice(0, 2000), retryInS, row.id],
    );
    this.#worker?.wake();
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

function toEnvelope(row: Outgoing): EventEnvelope {
  return { id: row.id, name: row.name, payload: row.payload, occurredAt: row.occurredAt.toISOString(), requestId: row.requestId, ...(row.traceParent ? { traceParent: row.traceParent } : {}) };
}
