/**
 * Moves a module's outbox to the event transport. Rows are claimed with FOR UPDATE SKIP LOCKED and
 * a lease in a short transaction, published outside it, then marked: several instances of a module
 * share the work without publishing a row twice, and a crash after publishing only causes a
 * duplicate, which subscribers absorb through their inbox.
 */
import type { Logger } from "pino";
import type { ModuleOrm } from "../database.ts";
import { eventsPublished, outboxDead, outboxLag } from "../metrics.ts";
import { TransportUnavailableError, type EventEnvelope, type EventTransport } from "./transport.ts";

export interface RelaySettings {
  pollIntervalMs: number;
  batchSize: number;
  leaseS: number;
  maxAttempts: number;
}

/** An event older than this when relayed means the relay (or the transport) has been falling behind. */
const LAG_WARNING_MS = 5_000;

export const DEFAULT_RELAY_SETTINGS: RelaySettings = { pollIntervalMs: 250, batchSize: 100, leaseS: 30, maxAttempts: 10 };

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
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = true;

  constructor(orm: ModuleOrm, schema: string, transport: EventTransport, log: Logger, settings = DEFAULT_RELAY_SETTINGS) {
    this.#orm = orm;
    this.#schema = schema;
    this.#transport = transport;
    this.#log = log;
    this.#settings = settings;
  }

  start(): void {
    this.#stopped = false;
    this.nudge();
  }

  /** Relays now rather than at the next poll, e.g. right after a handler staged an event. */
  nudge(): void {
    if (this.#stopped || this.#running) return;
    clearTimeout(this.#timer);
    this.#running = this.#loop().finally(() => {
      this.#running = undefined;
      if (!this.#stopped) this.#timer = setTimeout(() => this.nudge(), this.#settings.pollIntervalMs);
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  async #loop(): Promise<void> {
    try {
      while (!this.#stopped && (await this.relayBatch()) === this.#settings.batchSize);
    } catch (error) {
      this.#log.warn({ err: error }, "outbox relay failed; retrying at the next poll");
    }
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
    for (const row of rows) {
      try {
        await this.#transport.publish(toEnvelope(row));
        published.push(row.id);
        eventsPublished.inc({ event: row.name });
      } catch (error) {
        await this.#recordFailure(row, error);
      }
    }
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
