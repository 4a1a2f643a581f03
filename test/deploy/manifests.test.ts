/**
 * No Docker engine or cluster runs here, so the deploy files are checked for what can be checked:
 * the generated ones are what the module registry makes of them, every file validates against the
 * schema of the tool that reads it (Kubernetes' own API schemas, the Compose specification, GitHub's
 * workflow parser), the overlays are rendered as kustomize would and validated too, and the metrics
 * exposition is read by a parser of the Prometheus text format.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { parseWorkflow, NoOperationTraceWriter } from "@actions/workflow-parser";
import { Ajv } from "ajv";
import { ConfigMap, Namespace, Service } from "kubernetes-models/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { Job } from "kubernetes-models/batch/v1";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { deployFiles, NATS_CHART } from "../../scripts/deploy-files.ts";
import { loadConfig } from "../../src/config.ts";
import { moduleNames, NODE_FLAGS } from "../../scripts/processes.ts";

const repo = path.resolve(import.meta.dirname, "../..");
const read = (file: string) => readFileSync(path.join(repo, file), "utf8");
const modules = moduleNames();
const components = [...modules, "gateway"];

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
}

const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  "apps/v1/Deployment": Deployment,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "batch/v1/Job": Job,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "v1/ConfigMap": ConfigMap,
  "v1/Namespace": Namespace,
  "v1/Service": Service,
};

/** Throws unless Kubernetes' API schema for the object's kind accepts it. */
function validateK8s(object: K8sObject): void {
  const Model = MODELS[`${object.apiVersion}/${object.kind}`];
  if (!Model) throw new Error(`no schema known for ${object.apiVersion} ${object.kind}`);
  new Model(object).validate();
}

const yamlDocuments = (file: string) => parseAllDocuments(read(file)).map((doc) => doc.toJSON() as K8sObject);

interface Kustomization {
  namespace?: string;
  resources: string[];
  images?: { name: string; newName: string; newTag: string }[];
  helmCharts?: { name: string; repo: string; version: string; releaseName: string; valuesInline: any }[];
  patches?: { target: { kind: string; name?: string }; patch: string }[];
}

/**
 * What `kustomize build` makes of a kustomization that uses only resources, namespace, images and
 * JSON 6902 patches with replace operations (all that bazaar's use); helm charts are left out.
 */
function render(dir: string): K8sObject[] {
  const kustomization = parse(read(`${dir}/kustomization.yaml`)) as Kustomization;
  let objects = kustomization.resources.flatMap((resource) => {
    const target = path.posix.join(dir, resource);
    return target.endsWith(".yaml") ? yamlDocuments(target) : render(target);
  });
  if (kustomization.namespace) objects = objects.map((o) => (o.kind === "Namespace" ? o : { ...o, metadata: { ...o.metadata, namespace: kustomization.namespace } }));
  for (const { target, patch } of kustomization.patches ?? []) {
    const matched = objects.filter((o) => o.kind === target.kind && (!target.name || o.metadata.name === target.name));
    expect(matched.length, `patch target ${JSON.stringify(target)} in ${dir}`).toBeGreaterThan(0);
    for (const object of matched) {
      for (const op of parse(patch) as { op: string; path: string; value: unknown }[]) {
        expect(op.op).toBe("replace");
        const keys = op.path.split("/").slice(1);
        const parent = keys.slice(0, -1).reduce((node: any, key) => node[key], object);
        expect(parent?.[keys.at(-1) as string], `${op.path} of ${object.kind} ${object.metadata.name}`).toBeDefined();
        parent[keys.at(-1) as string] = op.value;
      }
    }
  }
  for (const image of kustomization.images ?? []) {
    for (const object of objects) {
      for (const container of object.spec?.template?.spec?.containers ?? []) {
        if (container.image === image.name) container.image = `${image.newName}:${image.newTag}`;
      }
    }
  }
  return objects;
}

/** What the "restricted" Pod Security Standard asks of every container. */
const RESTRICTED = { runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } };

const workloads = (objects: K8sObject[]) => objects.filter((o) => o.kind === "Deployment");
const envOf = (deployment: K8sObject) => deployment.spec.template.spec.containers[0].env as { name: string; value?: string }[];
const secretsOf = (deployment: K8sObject) => (deployment.spec.template.spec.containers[0].envFrom as { secretRef?: { name: string } }[]).flatMap((from) => (from.secretRef ? [from.secretRef.name] : []));

describe("deploy/", () => {
  it("knows the modules", () => {
    expect(modules).toEqual(expect.arrayContaining(["identity", "catalog", "inventory", "orders", "payments"]));
  });

  it("holds the generated files as the module registry makes them (npm run deploy:generate)", () => {
    for (const [file, text] of deployFiles()) expect(read(file), `${file} is stale: run npm run deploy:generate`).toBe(text);
  });

  it("Dockerfile runs the one entry point on Node 24, with the V8 flags of npm start, as a numeric non-root user", () => {
    const dockerfile = read("deploy/Dockerfile");
    expect(dockerfile).toMatch(/^FROM node:24/m);
    expect(NODE_FLAGS.length).toBeGreaterThan(0);
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)?.[1] ?? "[]") as string[];
    expect(cmd).toEqual(["node", ...NODE_FLAGS, "src/main.ts"]);
    // runAsNonRoot in the pods can only verify a numeric user.
    expect(dockerfile).toMatch(/^USER [1-9]\d*(:\d+)?$/m);
  });

  describe("Kubernetes", () => {
    const base = render("deploy/k8s/base");

    it("every object of the base validates against Kubernetes' API schema for its kind", () => {
      expect(base.length).toBeGreaterThan(components.length * 4);
      for (const object of base) expect(() => validateK8s(object), `${object.kind} ${object.metadata.name}`).not.toThrow();
    });

    it("the schema check is real: a Deployment with a wrong type or a missing field is refused", () => {
      const deployment = base.find((o) => o.kind === "Deployment") as K8sObject;
      const broken = structuredClone(deployment);
      broken.spec.template.spec.containers[0].ports[0].containerPort = "ops";
      expect(() => validateK8s(broken)).toThrow(/containerPort/);
      const headless = structuredClone(deployment);
      delete headless.spec.selector;
      expect(() => validateK8s(headless)).toThrow(/selector/);
    });

    it("each module and the gateway get a Deployment, an autoscaler, a disruption budget and a network policy of their own", () => {
      for (const component of components) {
        const own = base.filter((o) => o.metadata.name === component);
        expect(own.map((o) => o.kind).sort(), component).toEqual(
          expect.arrayContaining(["Deployment", "HorizontalPodAutoscaler", "NetworkPolicy", "PodDisruptionBudget"]),
        );
        const deployment = own.find((o) => o.kind === "Deployment") as K8sObject;
        const selector = deployment.spec.selector.matchLabels;
        expect(deployment.spec.template.metadata.labels).toMatchObject(selector);
        expect(own.find((o) => o.kind === "PodDisruptionBudget")?.spec.selector.matchLabels).toEqual(selector);
        expect(own.find((o) => o.kind === "NetworkPolicy")?.spec.podSelector.matchLabels).toEqual(selector);
        expect(own.find((o) => o.kind === "HorizontalPodAutoscaler")?.spec.scaleTargetRef).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: component });
        expect(deployment.spec.template.spec.containers[0].securityContext, component).toEqual(RESTRICTED);
        // The autoscaler owns the count; a fixed one would fight it on every apply.
        expect(deployment.spec.replicas).toBeUndefined();
        expect(envOf(deployment).find((e) => e.name === "MODULES")?.value).toBe(component === "gateway" ? "none" : component);
      }
    });

    it("let only the gateway be reached from outside, and only modules reach the database", () => {
      const policy = (name: string) => base.find((o) => o.kind === "NetworkPolicy" && o.metadata.name === name) as K8sObject;
      const ports = (rules: { ports?: { port: number }[] }[]) => rules.flatMap((rule) => rule.ports?.map((p) => p.port) ?? []);
      expect(base.find((o) => o.metadata.name === "default-deny")?.spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
      expect(ports(policy("gateway").spec.ingress)).toContain(3000);
      expect(ports(policy("gateway").spec.egress)).not.toContain(5432);
      for (const module of modules) {
        expect(ports(policy(module).spec.ingress), module).toEqual([9464]);
        expect(ports(policy(module).spec.egress), module).toEqual(expect.arrayContaining([4222, 5432, 53]));
      }
    });

    it("give each module pod its own module key only (the gateway and the migrate Job none), and the token signing key to identity only", () => {
      const deployments = workloads(base);
      const of = (name: string) => secretsOf(deployments.find((d) => d.metadata.name === name) as K8sObject);
      const moduleKeysOf = (object: K8sObject) =>
        JSON.stringify(object).includes("bazaar-module-keys")
          ? (object.spec.template.spec.containers[0].env as { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[]).filter((e) => e.valueFrom?.secretKeyRef?.name === "bazaar-module-keys").map((e) => [e.name, e.valueFrom?.secretKeyRef?.key])
          : [];
      expect(moduleKeysOf(deployments.find((d) => d.metadata.name === "gateway") as K8sObject)).toEqual([]);
      expect(JSON.stringify(base.find((o) => o.kind === "Job"))).not.toContain("bazaar-module-keys");
      const migrate = base.find((o) => o.kind === "Job") as K8sObject;
      expect(migrate.spec.template.spec.containers[0].securityContext).toEqual(RESTRICTED);
      // A Job's template is immutable: each release applies one of its own.
      expect(migrate.metadata.name).toBe(`bazaar-migrate-${JSON.parse(read("package.json")).version}`);
      expect((migrate.spec.template.spec.containers[0].envFrom as { secretRef?: { name: string } }[]).map((from) => from.secretRef?.name)).toContain("bazaar-db-admin");
      // It makes the event streams and consumers, which only the ops user of NATS may.
      expect(migrate.spec.template.spec.containers[0].env).toEqual(expect.arrayContaining([{ name: "NATS_USER", value: "ops" }, { name: "NATS_PASSWORD", valueFrom: { secretKeyRef: { name: "bazaar-nats", key: "ops" } } }]));
      for (const name of components) expect(of(name)).not.toContain("bazaar-db-admin");
      for (const name of modules) {
        expect(moduleKeysOf(deployments.find((d) => d.metadata.name === name) as K8sObject)).toEqual([[`${name.toUpperCase()}_SIGNING_KEY`, name]]);
        expect(of(name).includes("bazaar-identity")).toBe(name === "identity");
      }
    });

    for (const overlay of ["dev", "prod"]) {
      it(`the ${overlay} overlay renders to valid objects, with its image, and NATS from its maintainers' chart with a user per process kind`, () => {
        const objects = render(`deploy/k8s/overlays/${overlay}`);
        for (const object of objects) expect(() => validateK8s(object), `${object.kind} ${object.metadata.name}`).not.toThrow();
        for (const object of objects) if (object.kind !== "Namespace") expect(object.metadata.namespace).toBe("bazaar");
        const images = new Set(workloads(objects).map((d) => d.spec.template.spec.containers[0].image as string));
        expect(images.size).toBe(1);
        expect([...images][0]).toMatch(overlay === "dev" ? /^bazaar:dev$/ : new RegExp(`/bazaar:${JSON.parse(read("package.json")).version.replaceAll(".", "\\.")}$`));
        const kustomization = parse(read(`deploy/k8s/overlays/${overlay}/kustomization.yaml`)) as Kustomization;
        const nats = kustomization.helmCharts?.find((chart) => chart.name === "nats");
        expect(nats).toMatchObject(NATS_CHART);
        expect(nats?.valuesInline.config.jetstream.enabled).toBe(true);
        expect(nats?.valuesInline.config.merge.authorization.users.map((u: { user: string }) => u.user).sort()).toEqual([...components, "ops"].sort());
        const minReplicas = objects.filter((o) => o.kind === "HorizontalPodAutoscaler").map((o) => o.spec.minReplicas);
        expect(new Set(minReplicas)).toEqual(new Set([overlay === "dev" ? 1 : 3]));
        expect(nats?.valuesInline.config.nats?.tls?.enabled ?? false).toBe(overlay === "prod");
      });

      it(`the ${overlay} overlay's settings pass bazaar's own production checks, NATS in plain text only in dev`, () => {
        const objects = render(`deploy/k8s/overlays/${overlay}`);
        const data = (objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === "bazaar-config") as K8sObject).data as Record<string, string>;
        const catalog = workloads(objects).find((d) => d.metadata.name === "catalog") as K8sObject;
        const container = catalog.spec.template.spec.containers[0];
        const own = Object.fromEntries((container.env as { name: string; value?: string }[]).filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));
        // What the secrets would hold.
        const secrets = { NATS_PASSWORD: "p", CATALOG_DATABASE_URL: "postgres://catalog@db/bazaar", BUS_SECRET: "b".repeat(32), AUTH_PUBLIC_KEYS: "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----" };
        const config = loadConfig({ ...data, ...own, ...secrets }, modules);
        expect(config.natsAllowPlaintext).toBe(overlay === "dev");
        if (overlay === "prod") {
          const mounted = (container.volumeMounts as { name: string; mountPath: string }[]).find((m) => m.name === "nats-ca");
          expect(config.nats.tlsCaFile).toBe(`${mounted?.mountPath}/ca.crt`);
        }
        expect(() => loadConfig({ ...data, NATS_TLS_CA_FILE: "", NATS_ALLOW_PLAINTEXT: "", ...own, ...secrets }, modules), "the check is real").toThrow(/plain-text NATS/);
      });
    }
  });

  describe("Compose", () => {
    // The Compose specification's schema, as dclint (a Compose linter) ships it.
    const schemaFile = path.join(path.dirname(createRequire(import.meta.url).resolve("dclint/package.json")), "schemas/compose.schema.json");
    const ajv = new Ajv({ strict: false, allErrors: true });
    // It names its draft by an https address, which Ajv knows by http.
    const { $schema: _draft, ...specification } = JSON.parse(readFileSync(schemaFile, "utf8")) as Record<string, unknown>;
    const validateCompose = ajv.compile(specification);
    const compose = (file: string) => parse(read(file), { merge: true }) as { services: Record<string, any> };

    it("both compose files validate against the Compose specification", () => {
      for (const file of ["deploy/compose.yaml", "deploy/compose.split.yaml"]) {
        expect(validateCompose(compose(file)), `${file}: ${ajv.errorsText(validateCompose.errors)}`).toBe(true);
      }
      expect(validateCompose({ services: { broken: { image: "x", ports: "3000" } } }), "the schema check is real").toBe(false);
    });

    it("the split one runs each module and a gateway in its own container, scraped by its Prometheus, charted by its Grafana", () => {
      const { services } = compose("deploy/compose.split.yaml");
      for (const name of modules) expect(services[name]?.environment?.MODULES).toBe(name);
      expect(services.gateway?.environment).toMatchObject({ MODULES: "none", GATEWAY: "1" });
      const prometheus = parse(read("deploy/prometheus/compose.yml")) as { scrape_configs: { static_configs: { targets: string[] }[] }[] };
      const targets = prometheus.scrape_configs.flatMap((job) => job.static_configs.flatMap((c) => c.targets));
      expect(targets.sort()).toEqual(components.map((c) => `${c}:${services[c].environment.OPS_PORT}`).sort());
      for (const mount of [...services.prometheus.volumes, ...services.grafana.volumes] as string[]) {
        const source = mount.split(":")[0] as string;
        expect(existsSync(path.join(repo, "deploy", source)), source).toBe(true);
      }
      const datasource = parse(read("deploy/grafana/provisioning/datasources/prometheus.yaml")) as { datasources: { url: string; isDefault: boolean }[] };
      expect(datasource.datasources[0]).toMatchObject({ url: "http://prometheus:9090", isDefault: true });
      const provider = parse(read("deploy/grafana/provisioning/dashboards/bazaar.yaml")) as { providers: { options: { path: string } }[] };
      expect(services.grafana.volumes).toContain(`./grafana/bazaar-dashboard.json:${provider.providers[0]?.options.path}/bazaar.json:ro`);
    });
  });

  it("the Grafana dashboard only charts metrics that bazaar exports", async () => {
    const { registry } = await import("../../src/broker/metrics.ts");
    await import("../../src/modules/orders/workflows/place-order.workflow.ts");
    await import("../../src/modules/payments/workers/settle-payments.worker.ts");
    const exported = new Set((await registry.getMetricsAsJSON()).map((metric) => metric.name));
    const dashboard = JSON.parse(read("deploy/grafana/bazaar-dashboard.json")) as { panels: { targets: { expr: string }[] }[] };
    const charted = dashboard.panels.flatMap((panel) =>
      panel.targets.flatMap((target) => target.expr.match(/\b(?:http|bazaar|process)_[a-z_]+/g) ?? []).map((name) => name.replace(/_(bucket|count|sum)$/, "")),
    );
    expect(charted.length).toBeGreaterThanOrEqual(10);
    for (const name of charted) expect(exported.has(name), name).toBe(true);
  });

  it("the metrics exposition reads as the Prometheus text format, every family with its help and type", async () => {
    const { registry } = await import("../../src/broker/metrics.ts");
    await import("../../src/modules/orders/workflows/place-order.workflow.ts");
    const text = await registry.metrics();
    const families = parsePrometheusTextFormat(text);
    expect(families.length).toBeGreaterThan(10);
    for (const family of families) {
      expect(family.help, family.name).not.toBe("");
      expect(["COUNTER", "GAUGE", "HISTOGRAM", "SUMMARY"], family.name).toContain(family.type);
    }
    expect(families.map((family) => family.name)).toContain("bazaar_orders_placed_total");
    expect(() => parsePrometheusTextFormat(`${text}bazaar_broken{le="1" 3\n`), "the parser is real").toThrow();
  });

  it("the NATS server configuration gives every module, the gateway and the operators' tools a user", () => {
    const conf = read("deploy/nats/nats-server.conf");
    for (const user of [...components, "ops"]) expect(conf).toMatch(new RegExp(`user: ${user}, password: \\$${user.toUpperCase()}_NATS_PASSWORD`));
    for (const name of modules) expect(conf).toContain(`"bazaar.events.${name}.>"`);
  });

  describe("CI workflow", () => {
    const file = ".github/workflows/ci.yml";

    it("parses without errors by GitHub's own workflow parser", () => {
      const result = parseWorkflow({ name: file, content: read(file) }, new NoOperationTraceWriter());
      expect(result.context.errors.getErrors().map((error) => error.message)).toEqual([]);
      const broken = parseWorkflow({ name: file, content: read(file).replace("runs-on: ubuntu-24.04", "runs-on: [ubuntu-24.04\n") }, new NoOperationTraceWriter());
      expect(broken.context.errors.getErrors().length, "the parser is real").toBeGreaterThan(0);
    });

    it("runs what .ci/run runs against PostgreSQL and JetStream, builds the image, and releases one image tag per version", () => {
      const workflow = parse(read(file)) as { on: any; jobs: Record<string, any> };
      const steps = (job: string) => workflow.jobs[job].steps as { uses?: string; run?: string; with?: Record<string, unknown> }[];
      expect(steps("test").map((step) => step.run)).toContain("bash .ci/run");
      expect(workflow.jobs.test.services.postgres.ports).toContain("5432:5432");
      expect(steps("test").some((step) => step.run?.includes("-js"))).toBe(true);
      expect(steps("image").find((step) => step.uses?.startsWith("docker/build-push-action"))?.with).toMatchObject({ file: "deploy/Dockerfile", push: false });
      expect(workflow.on.push.tags).toEqual(["v*"]);
      expect(workflow.jobs.release.if).toContain("refs/tags/v");
      expect(workflow.jobs.release.needs).toEqual(["test", "image"]);
      expect(steps("release").find((step) => step.uses?.startsWith("docker/metadata-action"))?.with?.tags).toBe("type=semver,pattern={{version}}");
      expect(steps("release").find((step) => step.uses?.startsWith("docker/build-push-action"))?.with).toMatchObject({ push: true, file: "deploy/Dockerfile" });
    });
  });
});
