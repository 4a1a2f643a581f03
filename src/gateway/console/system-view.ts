/**
 * The running system as the console shows it, gathered over the bus on each look: the nodes and
 * what each runs (the broker's registry), every module's health (its health action), and from each
 * node's `$ops` service its outboxes, metrics totals (turned into rates here), module calls and
 * kept spans; in a split deployment also the JetStream dead-letter stream.
 */
import { call } from "../../broker/contract-kit.ts";
import type { Broker } from "../../broker/create-broker.ts";
import type { DeadLetterStream } from "../../broker/events/dead-letters.ts";
import { Ops, type NodeStatus } from "../../broker/ops-service.ts";
import { probeModules } from "../plugins/health.ts";
import { cpuShare, moduleRates, SampleHistory, type ModuleRates } from "./rates.ts";
import { assembleTraces, type Trace } from "./traces.ts";

const ASK_TIMEOUT_MS = 2_000;
const DEAD_LISTED = 20;
const TRACES_LISTED = 20;

export interface ConsoleSources {
  broker: Broker;
  /** Every module of the application, whether or not some node runs it now. */
  modules: string[];
  /** The dead-letter stream, when events travel over JetStream. */
  stream?: DeadLetterStream;
}

export interface SystemSnapshot {
  at: string;
  nodes: {
    id: string;
    hostname: string;
    pid: number | null;
    modules: string[];
    gateway: boolean;
    uptimeS: number | null;
    rssBytes: number | null;
    cpuShare: number | null;
    /** Why its `$ops` gave no answer, if it did not. */
    unanswered?: string;
  }[];
  modules: {
    name: string;
    health: "up" | "down";
    nodes: string[];
    rates: ModuleRates | null;
    outbox: { pending: number; oldestPendingAt: string | null; dead: number } | null;
    /** Deliveries to this module that failed and wait for a retry, and those it gave up on. */
    retries: { waiting: number; dead: number } | null;
  }[];
  deadLetters: {
    /** What a module's relay gave up publishing (`outbox`), or the module itself gave up handling (`subscriber`). */
    modules: { module: string; kind: "outbox" | "subscriber"; id: string; name: string; occurredAt: string; attempts: number; error: string }[];
    stream: { total: number; letters: { sequence: number; consumer: string; error: string; name: string; id: string; occurredAt: string; genuine: boolean }[] } | { unavailable: string } | null;
  };
  graph: { modules: string[]; edges: { from: string; to: string; kind: "calls" | "events"; count?: number }[] };
  /** Whether any node keeps its spans for the console. */
  keepsSpans: boolean;
}

export class SystemView {
  readonly #sources: ConsoleSources;
  readonly #history = new SampleHistory();

  constructor(sources: ConsoleSources) {
    this.#sources = sources;
  }

  async snapshot(token: string): Promise<SystemSnapshot> {
    const { broker, modules } = this.#sources;
    const nodes = this.#opsNodes();
    const [statuses, health, stream] = await Promise.all([
      Promise.all(nodes.map((node) => this.#ask(node.id, token))),
      probeModules(broker, modules),
      this.#streamLetters(),
    ]);
    const answered = statuses.filter((s): s is NodeStatus => !(s instanceof Error));
    const now = Date.now();
    for (const status of answered) this.#history.add({ atMs: now, status });
    this.#history.keepOnly(new Set(answered.map((s) => s.nodeId)));
    const windows = this.#history.windows();
    const runs = (module: string) => answered.filter((s) => s.modules.some((m) => m.name === module));
    return {
      at: new Date(now).toISOString(),
      nodes: nodes.map((node, i) => {
        const status = statuses[i];
        if (status instanceof Error || !status) {
          return { id: node.id, hostname: node.hostname, pid: null, modules: node.modules, gateway: false, uptimeS: null, rssBytes: null, cpuShare: null, unanswered: status?.message ?? "no answer" };
        }
        return { id: node.id, hostname: status.hostname, pid: status.pid, modules: status.modules.map((m) => m.name), gateway: status.gateway, uptimeS: status.uptimeS, rssBytes: status.rssBytes, cpuShare: cpuShare(windows, node.id) };
      }),
      modules: health.map(([name, state]) => {
        // Instances of a module share its schema: any one of them tells its outbox.
        const own = runs(name)[0]?.modules.find((m) => m.name === name);
        const outbox = own?.outbox;
        return {
          name,
          health: state,
          nodes: runs(name).map((s) => s.nodeId),
          rates: moduleRates(name, windows),
          outbox: outbox ? { pending: outbox.pending, oldestPendingAt: outbox.oldestPendingAt, dead: outbox.dead } : null,
          retries: own ? { waiting: own.retries.waiting, dead: own.retries.dead } : null,
        };
      }),
      deadLetters: {
        modules: modules.flatMap((name) => {
          const own = runs(name)[0]?.modules.find((m) => m.name === name);
          return [
            ...(own?.outbox.deadLetters ?? []).map((letter) => ({ module: name, kind: "outbox" as const, ...letter })),
            ...(own?.retries.deadLetters ?? []).map((letter) => ({ module: name, kind: "subscriber" as const, ...letter })),
          ];
        }),
        stream,
      },
      graph: { modules, edges: graphEdges(answered) },
      keepsSpans: answered.some((s) => s.keepsSpans),
    };
  }

  async traces(token: string): Promise<Trace[]> {
    const answers = await Promise.all(
      this.#opsNodes().map((node) => call(this.#sources.broker, Ops.actions.spans, { traces: TRACES_LISTED }, this.#options(node.id, token)).catch(() => [])),
    );
    return assembleTraces(answers.flat(), TRACES_LISTED);
  }

  /** Gives an event `module` gave up on (publishing or handling it) another round; false when there is none such. */
  async redriveModule(token: string, module: string, kind: "outbox" | "subscriber", id: string): Promise<boolean> {
    const node = this.#opsNodes().find((n) => n.modules.includes(module));
    if (!node) return false;
    return (await call(this.#sources.broker, Ops.actions.redrive, { module, kind, id }, this.#options(node.id, token))).redriven;
  }

  /** Sends the stream's dead letter at `sequence` again; false when there is none such that opens with the bus secret (or no stream). */
  async redriveStream(sequence: number): Promise<boolean> {
    const stream = this.#sources.stream;
    return stream ? (await stream.redrive(sequence)).redriven > 0 : false;
  }

  #ask(nodeId: string, token: string): Promise<NodeStatus | Error> {
    return call(this.#sources.broker, Ops.actions.status, {}, this.#options(nodeId, token)).catch((error: Error) => error);
  }

  #options(nodeId: string, token: string) {
    return { nodeID: nodeId, meta: { authToken: token }, timeout: ASK_TIMEOUT_MS, retries: 0 };
  }

  /** The nodes on the bus that run `$ops` (every bazaar process), with the modules the registry says they run. */
  #opsNodes(): { id: string; hostname: string; modules: string[] }[] {
    const nodes = this.#sources.broker.registry.getNodeList({ onlyAvailable: true, withServices: true }) as unknown as { id: string; hostname?: string; services: { name: string }[] }[];
    return nodes
      .filter((node) => node.services.some((service) => service.name === Ops.name))
      .map((node) => ({ id: node.id, hostname: node.hostname ?? "", modules: node.services.map((s) => s.name).filter((name) => !name.startsWith("$")) }))
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  async #streamLetters(): Promise<SystemSnapshot["deadLetters"]["stream"]> {
    const stream = this.#sources.stream;
    if (!stream) return null;
    try {
      const { total, letters } = await stream.list(DEAD_LISTED);
      return {
        total,
        letters: letters.reverse().map((l) => ({
          sequence: l.sequence,
          consumer: l.consumer,
          error: l.error,
          name: l.event,
          id: l.envelope?.id ?? "",
          occurredAt: l.envelope?.occurredAt ?? "",
          // Only what opens with the deployment's secret can be redriven.
          genuine: l.envelope !== undefined,
        })),
      };
    } catch (error) {
      return { unavailable: (error as Error).message };
    }
  }
}

/** Who calls whom (counted as the modules run) and who hears whose events (as they subscribed). */
function graphEdges(statuses: NodeStatus[]): SystemSnapshot["graph"]["edges"] {
  const calls = new Map<string, number>();
  const events = new Set<string>();
  for (const status of statuses) {
    for (const { caller, callee, count } of status.calls) calls.set(`${caller}>${callee}`, (calls.get(`${caller}>${callee}`) ?? 0) + count);
    for (const module of status.modules) for (const event of module.subscribes) events.add(`${event.split(".")[0]}>${module.name}`);
  }
  const split = (key: string) => key.split(">") as [string, string];
  return [
    ...[...calls].map(([key, count]) => ({ from: split(key)[0], to: split(key)[1], kind: "calls" as const, count })),
    ...[...events].map((key) => ({ from: split(key)[0], to: split(key)[1], kind: "events" as const })),
  ];
}
