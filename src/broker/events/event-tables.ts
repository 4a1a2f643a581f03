/**
 * The outbox and inbox tables every module that publishes or subscribes keeps in its own schema.
 * The entity definitions are made per module (`eventEntities()`): one MikroORM metadata object
 * must not be shared by several ORMs.
 */
import { defineEntity, p, type InferEntity } from "@mikro-orm/core";
import { Migration } from "@mikro-orm/migrations";

export function eventEntities() {
  const Outbox = defineEntity({
    name: "OutboxEvent",
    tableName: "outbox",
    properties: {
      id: p.uuid().primary(),
      name: p.string(),
      payload: p.json<unknown>(),
      requestId: p.string().nullable(),
      occurredAt: p.datetime(3),
      attempts: p.integer(),
      claimedUntil: p.datetime(3).nullable(),
      publishedAt: p.datetime(3).nullable(),
      deadAt: p.datetime(3).nullable(),
      lastError: p.text().nullable(),
      traceParent: p.string().nullable(),
    },
  });
  const Inbox = defineEntity({
    name: "InboxEvent",
    tableName: "inbox",
    properties: {
      eventId: p.uuid().primary(),
      consumer: p.string().primary(),
      handledAt: p.datetime(3),
    },
  });
  return { Outbox, Inbox };
}
export type OutboxRow = InferEntity<ReturnType<typeof eventEntities>["Outbox"]>;

/** Include in a module's migrations (first, then AddTraceParent, IndexDeadEvents and CreateEventRetries) to give it an outbox and an inbox. */
export class CreateEventTables extends Migration {
  override up(): void {
    this.addSql(`
      create table outbox (
        id uuid primary key,
        name varchar(200) not null,
        payload jsonb not null,
        request_id varchar(128),
        occurred_at timestamptz(3) not null,
        attempts integer not null default 0,
        claimed_until timestamptz(3),
        published_at timestamptz(3),
        dead_at timestamptz(3),
        last_error text
      )`);
    this.addSql("create index outbox_pending_idx on outbox (occurred_at) where published_at is null and dead_at is null");
    this.addSql(`
      create table inbox (
        event_id uuid not null,
        consumer varchar(200) not null,
        handled_at timestamptz(3) not null,
        primary key (event_id, consumer)
      )`);
  }
}

/** The outbox keeps the trace of the change that staged each event (events/trace-context.ts). */
export class AddTraceParent extends Migration {
  override up(): void {
    this.addSql("alter table outbox add column trace_parent varchar(55)");
  }
}

/** Dead events are few among many published ones: the console lists them without a scan. */
export class IndexDeadEvents extends Migration {
  override up(): void {
    this.addSql("create index outbox_dead_idx on outbox (dead_at) where dead_at is not null");
  }
}

/** A subscriber's own failed deliveries, where the transport keeps none (events/retries.ts). */
export class CreateEventRetries extends Migration {
  override up(): void {
    this.addSql(`
      create table event_retries (
        event_id uuid not null,
        consumer varchar(200) not null,
        envelope jsonb not null,
        attempts integer not null,
        next_at timestamptz(3) not null,
        dead_at timestamptz(3),
        last_error text,
        primary key (event_id, consumer)
      )`);
    this.addSql("create index event_retries_due_idx on event_retries (next_at) where dead_at is null");
  }
}
