/**
 * Rates from totals: the nodes answer what their action metrics counted since they started, and
 * the console keeps their answers for a short while, so that two of them a few seconds apart give
 * each module's request rate, failure rate and p99 over that window, and each node's CPU use.
 */
import type { NodeStatus } from "../../broker/ops-service.ts";

/** How far back the rates look: long enough to smooth a burst, short enough to follow a change. */
export const WINDOW_MS = 30_000;

export interface Sample {
  atMs: number;
  status: NodeStatus;
}

export interface ModuleRates {
  requestsPerS: number;
  /** Of the calls in the window, the share that failed on the module's side (5xx). */
  failureRate: number;
  /** An upper bound of the 99th percentile latency (a histogram bucket's bound); null when no call, or beyond the last bucket. */
  p99Ms: number | null;
}

/** Keeps each node's samples of the last WINDOW_MS (and one before it, the window's start). */
export class SampleHistory {
  readonly #byNode = new Map<string, Sample[]>();

  add(sample: Sample): void {
    const samples = this.#byNode.get(sample.status.nodeId) ?? [];
    samples.push(sample);
    while (samples.length > 2 && (samples[1] as Sample).atMs <= sample.atMs - WINDOW_MS) samples.shift();
    this.#byNode.set(sample.status.nodeId, samples);
  }

  /** Forgets the nodes not in `present` (they left the bus). */
  keepOnly(present: Set<string>): void {
    for (const node of this.#byNode.keys()) if (!present.has(node)) this.#byNode.delete(node);
  }

  /** The oldest and newest sample of each node that has two; a restarted node starts over. */
  windows(): [Sample, Sample][] {
    const pairs: [Sample, Sample][] = [];
    for (const samples of this.#byNode.values()) {
      const first = samples[0];
      const last = samples.at(-1);
      if (first && last && first !== last && last.status.uptimeS >= first.status.uptimeS) pairs.push([first, last]);
    }
    return pairs;
  }
}

/** The rates of `module` over the windows of the nodes that run it; null before two samples exist. */
export function moduleRates(module: string, windows: [Sample, Sample][]): ModuleRates | null {
  let seconds = 0;
  let count = 0;
  let failures = 0;
  let buckets: number[] = [];
  let bounds: number[] = [];
  for (const [first, last] of windows) {
    if (!last.status.modules.some((m) => m.name === module)) continue;
    seconds = Math.max(seconds, (last.atMs - first.atMs) / 1000);
    bounds = last.status.bucketsS;
    for (const action of last.status.actions) {
      if (!action.action.startsWith(`${module}.`)) continue;
      const before = first.status.actions.find((a) => a.action === action.action);
      count += action.count - (before?.count ?? 0);
      failures += action.failures - (before?.failures ?? 0);
      buckets = action.buckets.map((n, i) => (buckets[i] ?? 0) + n - (before?.buckets[i] ?? 0));
    }
  }
  if (seconds === 0) return null;
  const at = buckets.findIndex((n) => n >= 0.99 * count);
  return {
    requestsPerS: count / seconds,
    failureRate: count === 0 ? 0 : failures / count,
    p99Ms: count === 0 || at < 0 ? null : (bounds[at] as number) * 1000,
  };
}

/** The share of one core the node used over its window, or null before two samples. */
export function cpuShare(windows: [Sample, Sample][], nodeId: string): number | null {
  const pair = windows.find(([, last]) => last.status.nodeId === nodeId);
  if (!pair) return null;
  const [first, last] = pair;
  return (last.status.cpuUs - first.status.cpuUs) / 1000 / (last.atMs - first.atMs);
}
