/**
 * No Docker engine or cluster runs here, so the deploy files are checked for what can be checked:
 * they parse, and every module has its entry in each split topology.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { moduleNames, NODE_FLAGS } from "../../scripts/processes.ts";

const deploy = path.resolve(import.meta.dirname, "../../deploy");
const read = (file: string) => readFileSync(path.join(deploy, file), "utf8");
const modules = moduleNames();

type Env = { name: string; value?: string }[];
interface Workload {
  kind: string;
  metadata: { name: string };
  spec: { template: { spec: { containers: { env?: Env }[] } } };
}

describe("deploy/", () => {
  it("knows the modules", () => {
    expect(modules).toEqual(expect.arrayContaining(["identity", "catalog"]));
  });

  it("Dockerfile runs the one entry point on Node 24, with the V8 flags of npm start", () => {
    const dockerfile = read("Dockerfile");
    expect(dockerfile).toMatch(/^FROM node:24/m);
    expect(NODE_FLAGS.length).toBeGreaterThan(0);
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)?.[1] ?? "[]") as string[];
    expect(cmd).toEqual(["node", ...NODE_FLAGS, "src/main.ts"]);
  });

  it("compose files parse; the split one runs each module and a gateway in its own container", () => {
    expect(parse(read("compose.yaml")).services.bazaar).toBeDefined();
    const split = parse(read("compose.split.yaml"), { merge: true }) as { services: Record<string, { environment?: Record<string, string> }> };
    for (const name of modules) expect(split.services[name]?.environment?.MODULES).toBe(name);
    expect(split.services.gateway?.environment).toMatchObject({ MODULES: "none", GATEWAY: "1" });
  });

  it("the Grafana dashboard only charts metrics that bazaar exports", async () => {
    const { registry } = await import("../../src/broker/metrics.ts");
    await import("../../src/modules/orders/workflows/place-order.workflow.ts");
    await import("../../src/modules/payments/workers/settle-payments.worker.ts");
    const exported = new Set((await registry.getMetricsAsJSON()).map((metric) => metric.name));
    const dashboard = JSON.parse(read("grafana/bazaar-dashboard.json")) as { panels: { targets: { expr: string }[] }[] };
    const charted = dashboard.panels.flatMap((panel) =>
      panel.targets.flatMap((target) => target.expr.match(/\b(?:http|bazaar|process)_[a-z_]+/g) ?? []).map((name) => name.replace(/_(bucket|count|sum)$/, "")),
    );
    expect(charted.length).toBeGreaterThanOrEqual(10);
    for (const name of charted) expect(exported.has(name), name).toBe(true);
    expect(parse(read("prometheus/prometheus.yml")).scrape_configs[0].job_name).toBe("bazaar");
  });

  it("the NATS server configuration gives every module and the gateway a user", () => {
    const conf = read("nats/nats-server.conf");
    for (const user of [...modules, "gateway"]) expect(conf).toMatch(new RegExp(`user: ${user}, password: \\$${user.toUpperCase()}_NATS_PASSWORD`));
    for (const name of modules) expect(conf).toContain(`"bazaar.events.${name}.>"`);
  });

  it("Kubernetes manifests parse, with a Deployment per module and one for the gateway", () => {
    const workloads = readdirSync(path.join(deploy, "k8s"))
      .filter((file) => file.endsWith(".yaml"))
      .flatMap((file) => parseAllDocuments(read(`k8s/${file}`)).map((doc) => doc.toJSON() as Workload))
      .filter((doc) => doc.kind === "Deployment");
    const modulesRun = new Map(
      workloads.map((w) => [w.metadata.name, w.spec.template.spec.containers[0]?.env?.find((e) => e.name === "MODULES")?.value]),
    );
    for (const name of modules) expect(modulesRun.get(name)).toBe(name);
    expect(modulesRun.get("gateway")).toBe("none");
  });

  it("give the service secret to module pods only, and the signing key to identity only", () => {
    const secretsOf = (file: string) => [...read(`k8s/${file}.yaml`).matchAll(/secretRef: \{ name: ([\w-]+) \}/g)].map((m) => m[1]);
    expect(secretsOf("gateway")).not.toContain("bazaar-modules");
    expect(secretsOf("migrate-job")).toContain("bazaar-db-admin");
    for (const name of [...modules, "gateway"]) expect(secretsOf(name)).not.toContain("bazaar-db-admin");
    for (const name of modules) {
      expect(secretsOf(name)).toContain("bazaar-modules");
      expect(secretsOf(name).includes("bazaar-identity")).toBe(name === "identity");
    }
  });
});
