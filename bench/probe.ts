/**
 * What the bench reads off the machine: CPU time and memory of a process from /proc, pinning of
 * processes to cores with taskset, and the transactions a PostgreSQL database has received.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import pg from "pg";

const TICKS_PER_S = Number(tryRun("getconf", ["CLK_TCK"]) ?? 100) || 100;

function tryRun(command: string, args: string[]): string | undefined {
  try {
    return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

/** User + system CPU time the process has used so far, in milliseconds (0 once it is gone). */
export function cpuMs(pid: number): number {
  const file = `/proc/${pid}/stat`;
  if (!existsSync(file)) return 0;
  // Fields after the parenthesised command name; utime and stime are the 14th and 15th of the line.
  const stat = readFileSync(file, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_S;
}

export const totalCpuMs = (pids: number[]) => pids.reduce((sum, pid) => sum + cpuMs(pid), 0);

/** The PostgreSQL and NATS server processes running now (their CPU is the servers' too). */
export function servicePids(): number[] {
  return ["postgres", "nats-server"].flatMap((name) => (tryRun("pgrep", ["-x", name]) ?? "").split("\n").filter(Boolean).map(Number));
}

/** Read and write system calls the process has made so far (sockets included). */
export function syscalls(pid: number): number {
  const io = existsSync(`/proc/${pid}/io`) ? readFileSync(`/proc/${pid}/io`, "utf8") : "";
  return Number(/syscr: (\d+)/.exec(io)?.[1] ?? 0) + Number(/syscw: (\d+)/.exec(io)?.[1] ?? 0);
}

export const totalSyscalls = (pids: number[]) => pids.reduce((sum, pid) => sum + syscalls(pid), 0);

/** Resident memory in MB. */
export function rssMb(pid: number): number {
  const status = existsSync(`/proc/${pid}/status`) ? readFileSync(`/proc/${pid}/status`, "utf8") : "";
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

export interface Pinning {
  /** Cores for the servers (bazaar, the baselines, PostgreSQL, NATS) and for the load generator, as taskset lists. */
  serverCpus: string | undefined;
  loadCpus: string | undefined;
  /** What was pinned, for the report. */
  notes: string[];
  /** Puts back the affinity of the database and NATS as it was. */
  restore(): void;
}

/**
 * With taskset and two cores or more: servers, PostgreSQL and NATS on core 0, the load generator on
 * core 1, so the load never competes with what it measures. Without, nothing is pinned (and the
 * report says so).
 */
export function pinServices(): Pinning {
  if (os.cpus().length < 2 || tryRun("taskset", ["-p", String(process.pid)]) === undefined) {
    return { serverCpus: undefined, loadCpus: undefined, notes: ["not pinned (needs taskset and two cores)"], restore() {} };
  }
  const original = new Map<number, string>();
  const notes = ["servers on core 0, load generator on core 1"];
  for (const name of ["postgres", "nats-server"]) {
    const pids = (tryRun("pgrep", ["-x", name]) ?? "").split("\n").filter(Boolean).map(Number);
    let pinned = 0;
    for (const pid of pids) {
      const mask = /affinity mask: (\w+)/.exec(tryRun("taskset", ["-p", String(pid)]) ?? "")?.[1];
      if (!mask || tryRun("taskset", ["-a", "-p", "1", String(pid)]) === undefined) continue;
      original.set(pid, mask);
      pinned++;
    }
    notes.push(pinned > 0 ? `${name} pinned to core 0 (${pinned} processes)` : `${name} not pinned (not found or not permitted)`);
  }
  return {
    serverCpus: "0",
    loadCpus: "1",
    notes,
    restore() {
      for (const [pid, mask] of original) tryRun("taskset", ["-a", "-p", mask, String(pid)]);
    },
  };
}

/** The command that runs `args` on `cpus` (or unpinned). */
export function pinned(cpus: string | undefined, command: string, args: string[]): [string, string[]] {
  return cpus === undefined ? [command, args] : ["taskset", ["-c", cpus, command, ...args]];
}

/** One query on a connection of its own. */
export async function queryOnce<R extends pg.QueryResultRow>(url: string, sql: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** Transactions the database has committed or rolled back so far (PostgreSQL's own statistics). */
export async function transactions(url: string): Promise<number> {
  const [row] = await queryOnce<{ n: string }>(url, "select xact_commit + xact_rollback as n from pg_stat_database where datname = current_database()");
  return Number(row?.n ?? 0);
}

export function machine(): string {
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  return `${os.cpus().length} × ${cpu.trim()}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}`;
}

export function versionOf(command: string, args: string[]): string {
  return (tryRun(command, args) ?? "not found").split("\n")[0] as string;
}
