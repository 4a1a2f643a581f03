/**
 * Whether the standard OpenTelemetry settings ask for traces: an OTLP endpoint, or a traces exporter
 * other than `none`, and the SDK not disabled. Apart from telemetry.ts so that deciding costs no SDK.
 */
export function telemetryWanted(env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_SDK_DISABLED === "true") return false;
  const exporter = env.OTEL_TRACES_EXPORTER;
  if (exporter !== undefined && exporter !== "") return exporter !== "none";
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}
