/** The package ships no types: what test/deploy reads of its answer. */
declare module "parse-prometheus-text-format" {
  export interface MetricFamily {
    name: string;
    help: string;
    type: "COUNTER" | "GAUGE" | "HISTOGRAM" | "SUMMARY" | "UNTYPED";
    metrics: unknown[];
  }
  /** Throws on a line that is not of the text exposition format. */
  export default function parsePrometheusTextFormat(text: string): MetricFamily[];
}
