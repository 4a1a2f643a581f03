/** The bench's report: one Markdown file with every figure and target, and an SVG chart of the same. */
import type { CheckoutMeasured, IdleMeasured, InvalidationMeasured, Measured } from "./scenarios.ts";

export interface ReadRow extends Measured {
  scenario: "product by id" | "search page";
  /** What the row is compared with: the baseline of its scenario (or, for the cache, the ceiling too). */
  ratio: number;
}

export interface Target {
  what: string;
  goal: string;
  measured: string;
  met: boolean;
}

export interface Report {
  date: string;
  header: string[];
  reads: ReadRow[];
  checkouts: (CheckoutMeasured & { ratio?: number })[];
  idle: IdleMeasured[];
  startup: { cold: number; warm: number } | undefined;
  invalidation: InvalidationMeasured | undefined;
  targets: Target[];
}

const f = (value: number, digits = 0) => value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const rss = (values: number[]) => values.map((value) => f(value)).join(" + ");
/** The error count, and which answers they were when there were any. */
const errors = (result: Measured["result"]) => {
  if (result.errors === 0) return "0";
  const odd = Object.entries(result.statuses).filter(([status]) => !status.startsWith("2")).map(([status, count]) => `${count}× ${status}`);
  return `${result.errors} (${odd.join(", ") || "no answer"})`;
};

export function markdown(report: Report): string {
  const lines = [`# bazaar bench, ${report.date}`, "", ...report.header.map((line) => `- ${line}`), ""];
  lines.push("## Targets", "", "| target | goal | measured | met |", "|---|---|---|:-:|");
  for (const target of report.targets) lines.push(`| ${target.what} | ${target.goal} | ${target.measured} | ${target.met ? "yes" : "**no**"} |`);
  lines.push("", "## Reads", "", "| scenario | server | req/s | p50 ms | p99 ms | errors | node CPU µs/req | db + NATS CPU µs/req | syscalls/req | RSS MB | × baseline |", "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
  for (const row of report.reads) {
    lines.push(`| ${row.scenario} | ${row.server} | ${f(row.result.rps)} | ${f(row.result.p50, 1)} | ${f(row.result.p99, 1)} | ${errors(row.result)} | ${f(row.cpuUsPerRequest)} | ${f(row.serviceCpuUsPerRequest)} | ${f(row.syscallsPerRequest, 1)} | ${rss(row.rssMb)} | ${f(row.ratio, 2)} |`);
  }
  lines.push("", "## Checkout (one line, to `paid`)", "", "| server | orders/s | 201 p50 ms | 201 p99 ms | 201→paid p50 ms | 201→paid p99 ms | errors | unpaid | node CPU µs/order | db + NATS CPU µs/order | RSS MB | last paid after load s | stock invariant |", "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|");
  for (const row of report.checkouts) {
    lines.push(`| ${row.server} | ${f(row.ordersPerS)} | ${f(row.result.p50, 1)} | ${f(row.result.p99, 1)} | ${f(row.paidP50)} | ${f(row.paidP99)} | ${errors(row.result)} | ${row.unpaid} | ${f(row.cpuUsPerRequest)} | ${f(row.serviceCpuUsPerRequest)} | ${rss(row.rssMb)} | ${f(row.settleS, 1)} | ${row.invariant.ok ? "holds" : "**broken**"}: ${row.invariant.detail} |`);
  }
  lines.push("", "## Idle (no traffic, 10 s)", "", "| server | modules | statements/s | per module |", "|---|--:|--:|--:|");
  for (const row of report.idle) lines.push(`| ${row.server} | ${row.modules} | ${f(row.statementsPerS, 1)} | ${f(row.statementsPerS / row.modules, 2)} |`);
  if (report.startup) {
    lines.push("", "## Start-up on the embedded database (to `/health/ready` 200)", "", `cold (new data dir) ${f(report.startup.cold)} ms, warm ${f(report.startup.warm)} ms`);
  }
  if (report.invalidation) {
    const inv = report.invalidation;
    lines.push("", "## Cache invalidation (split: a change through one gateway, seen by another gateway's cache)", "", `${inv.samples} changes: p50 ${f(inv.p50, 1)} ms, p99 ${f(inv.p99, 1)} ms, max ${f(inv.max, 1)} ms`);
  }
  lines.push("", "Rerun with `npm run bench` (`-- --profile` also writes a CPU profile of the read scenario).", "");
  return lines.join("\n");
}

/** Horizontal bars: read throughput per server and scenario, and checkout orders/s. */
export function svg(report: Report): string {
  const bars = [
    ...report.reads.map((row) => ({ label: `${row.scenario}: ${row.server}`, value: row.result.rps, unit: "req/s", note: `${f(row.ratio, 2)}× baseline` })),
    ...report.checkouts.map((row) => ({ label: `checkout: ${row.server}`, value: row.ordersPerS, unit: "orders/s", note: `p99 to paid ${f(row.paidP99)} ms` })),
  ];
  const width = 960;
  const left = 380;
  const barHeight = 22;
  const gap = 8;
  const top = 40;
  const height = top + bars.length * (barHeight + gap) + 20;
  const groups = new Map<string, number>();
  for (const bar of bars) groups.set(bar.unit, Math.max(groups.get(bar.unit) ?? 0, bar.value));
  const escape = (text: string) => text.replaceAll("&", "&amp;").replaceAll("<", "&lt;");
  const rows = bars.map((bar, i) => {
    const y = top + i * (barHeight + gap);
    const w = ((width - left - 180) * bar.value) / Math.max(1, groups.get(bar.unit) ?? 1);
    const color = bar.unit === "req/s" ? "#4c78a8" : "#f58518";
    return [
      `<text x="${left - 8}" y="${y + 15}" text-anchor="end">${escape(bar.label)}</text>`,
      `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barHeight}" fill="${color}"/>`,
      `<text x="${left + w + 6}" y="${y + 15}">${f(bar.value)} ${bar.unit} · ${escape(bar.note)}</text>`,
    ].join("");
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold">bazaar bench, ${escape(report.date)} (bars scaled per unit)</text>`,
    ...rows,
    "</svg>",
    "",
  ].join("\n");
}
