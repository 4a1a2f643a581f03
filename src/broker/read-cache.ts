/**
 * A node's own copies of answers that contracts declare cacheable (`cache` on an action). A copy
 * goes as soon as the node learns its answer may have changed: at once when the change goes through
 * this node (`changed`), otherwise when the change's event reaches it (`evict`), which is the
 * outbox relay's delay plus one hop; and after `ttlS` in any case, should an event be missed. When
 * the node may have missed events (its bus connection dropped), everything goes.
 */
import type { ActionRef } from "./contract-kit.ts";
import { counter } from "./metrics.ts";

export interface ReadCacheSettings {
  ttlS: number;
  /** Copies kept per action; the oldest go first. */
  maxEntries: number;
}

interface Entry {
  value: unknown;
  expiresAtMs: number;
}

const lookups = counter("bazaar_cache_lookups_total", "Cacheable reads answered from this node's copies (hit) or not (miss)", ["action", "outcome"]);

export class ReadCache {
  readonly #settings: ReadCacheSettings;
  readonly #entries = new Map<string, Map<string, Entry>>();
  /** Bumped by every eviction: a read that started before one does not store its answer, which may predate the change. */
  #epoch = 0;
  /** `<service>.<action that changes>` → the cached actions of that service it changes. */
  readonly #changes = new Map<string, ActionRef[]>();
  /** Event name → the cached actions it evicts. */
  readonly #evictions = new Map<string, ActionRef[]>();

  constructor(actions: ActionRef[], settings: ReadCacheSettings) {
    this.#settings = settings;
    for (const action of actions) {
      if (!action.cache) continue;
      this.#entries.set(action.fullName, new Map());
      for (const name of action.cache.changedBy) push(this.#changes, `${action.service}.${name}`, action);
      for (const event of action.cache.evictedBy) push(this.#evictions, event, action);
    }
  }

  /** The events whose arrival evicts copies: what the node must listen to. */
  get events(): string[] {
    return [...this.#evictions.keys()];
  }

  /** A copy of the answer, or a ticket to store the answer once it has been fetched. */
  lookup(action: ActionRef, params: unknown): { hit: true; value: unknown } | { hit: false; store(value: unknown): void } {
    const entries = this.#entries.get(action.fullName);
    const key = keyOf(action, params);
    if (!entries || key === undefined) return { hit: false, store: () => undefined };
    const entry = entries.get(key);
    if (entry && entry.expiresAtMs > Date.now()) {
      lookups.inc({ action: action.fullName, outcome: "hit" });
      return { hit: true, value: entry.value };
    }
    lookups.inc({ action: action.fullName, outcome: "miss" });
    const epoch = this.#epoch;
    return {
      hit: false,
      store: (value) => {
        if (this.#epoch !== epoch) return;
        if (entries.size >= this.#settings.maxEntries) entries.delete(entries.keys().next().value as string);
        entries.set(key, { value, expiresAtMs: Date.now() + this.#settings.ttlS * 1000 });
      },
    };
  }

  /** `action` went through this node: what it changed is evicted before its caller is answered. */
  changed(action: ActionRef, params: unknown): void {
    for (const cached of this.#changes.get(action.fullName) ?? []) this.#evict(cached, keyOf(cached, params));
  }

  /** An event arrived: what it may have changed is evicted. */
  evict(event: string, payload: unknown): void {
    for (const cached of this.#evictions.get(event) ?? []) this.#evict(cached, keyOf(cached, payload));
  }

  /** The node may have missed events: no copy can be trusted. */
  clear(): void {
    for (const entries of this.#entries.values()) entries.clear();
    this.#epoch++;
  }

  #evict(action: ActionRef, key: string | undefined): void {
    if (key === undefined) return;
    this.#entries.get(action.fullName)?.delete(key);
    this.#epoch++;
  }
}

/** The answer's key: the `key` field, lower-cased (ids are case-insensitive UUIDs). */
function keyOf(action: ActionRef, data: unknown): string | undefined {
  const value = (data as Record<string, unknown> | null)?.[action.cache?.key ?? ""];
  return typeof value === "string" ? value.toLowerCase() : undefined;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key) ?? [];
  list.push(value);
  map.set(key, list);
}
