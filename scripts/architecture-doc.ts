/**
 * docs/architecture.md as the code has it (`npm run docs:arch` writes it; a test fails when the
 * committed file differs): the modules and the calls between them, the events and who hears them,
 * the workflows' steps, and per module its actions (who may call them, from which routes), events,
 * tables, settings and the fields its logs redact. Calls are found in each module's source (`<Contract>.actions.<name>`, tests
 * aside), events in the contracts and the modules' subscriptions, routes in the OpenAPI document.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { ActionRef, Contract } from "../src/broker/contract-kit.ts";
import { subscribedEvents, type ModuleDefinition } from "../src/broker/module.ts";
import { registry } from "../src/registry.ts";
import { openapiDocument } from "./openapi-document.ts";

const root = path.resolve(import.meta.dirname, "..");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return entry === "test" ? [] : sourceFiles(full);
    return entry.endsWith(".ts") && !entry.endsWith(".test.ts") ? [full] : [];
  });
}

/** The name each contract is exported under (`Catalog`), from the contract files themselves. */
async function contractNames(modules: ModuleDefinition[]): Promise<Map<string, Contract>> {
  const names = new Map<string, Contract>();
  for (const module of modules) {
    const exports = (await import(path.join(root, "src/modules", module.contract.name, "contract.ts"))) as Record<string, unknown>;
    for (const [name, value] of Object.entries(exports)) if (value === module.contract) names.set(name, module.contract);
  }
  return names;
}

/** Every call of another module's action in `module`'s source: callee → action names. */
function callsOf(module: ModuleDefinition, contracts: Map<string, Contract>): Map<string, Set<string>> {
  const calls = new Map<string, Set<string>>();
  for (const file of sourceFiles(path.join(root, "src/modules", module.contract.name))) {
    for (const [, exported, action] of readFileSync(file, "utf8").matchAll(/\b([A-Z]\w*)\.actions\.(\w+)\b/g)) {
      const callee = contracts.get(exported as string);
      if (!callee || callee === module.contract) continue;
      calls.set(callee.name, (calls.get(callee.name) ?? new Set()).add(action as string));
    }
  }
  return calls;
}


/** The env settings in the module's own block of src/config.ts (`<module>: { ... }`), if it has one. */
function settingsOf(name: string): string[] {
  const config = readFileSync(path.join(root, "src/config.ts"), "utf8");
  const start = config.search(new RegExp(`^ {4}${name}: \\{`, "m"));
  if (start === -1) return [];
  let depth = 0;
  let end = start;
  for (let i = config.indexOf("{", start); i < config.length; i++) {
    if (config[i] === "{") depth++;
    if (config[i] === "}" && --depth === 0) {
      end = i;
      break;
    }
  }
  return [...config.slice(start, end).matchAll(/"([A-Z][A-Z0-9_]+)"/g)].map((match) => match[1] as string);
}

/** Numbered steps (each with its compensation, `← ...`) from the header of each workflow file. */
function workflowsOf(name: string): { file: string; steps: string[] }[] {
  const dir = path.join(root, "src/modules", name, "workflows");
  let files: string[];
  try {
    files = readdirSync(dir).filter((file) => file.endsWith(".ts") && !file.endsWith(".test.ts"));
  } catch {
    return [];
  }
  return files.map((file) => ({
    file: `src/modules/${name}/workflows/${file}`,
    // A step is a numbered line of the header and the indented lines that continue it.
    steps: [...readFileSync(path.join(dir, file), "utf8").matchAll(/^ \* (\d+\. .+(?:\n \* {3,}.+)*)$/gm)].map((match) =>
      (match[1] as string).replaceAll(/\n \* +/g, " ").replaceAll(/\s{2,}/g, " ").trim(),
    ),
  }));
}

/** Which HTTP routes call each action (by the operationIds of the document). */
async function routesByAction(): Promise<Map<string, string[]>> {
  const document = (await openapiDocument()) as { paths: Record<string, Record<string, { operationId?: string }>> };
  const routes = new Map<string, string[]>();
  for (const [route, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      const action = operation.operationId?.replace(/_v\d+$/, "").replace("_", ".");
      if (action) routes.set(action, [...(routes.get(action) ?? []), `${method.toUpperCase()} ${route}`]);
    }
  }
  return routes;
}

const cell = (text: string) => text.replaceAll("|", "\\|");
/** The tables broker/events gives every module, beside its own (migrations 0000-event-tables*). */
const EVENT_TABLES = ["outbox", "inbox", "event_retries"];

export async function architectureDoc(): Promise<string> {
  const modules = registry;
  const contracts = await contractNames(modules);
  const routes = await routesByAction();
  const out: string[] = [
    "# Architecture, as the code has it",
    "",
    "Generated by `npm run docs:arch` from the contracts, the modules' source and the OpenAPI document;",
    "a test fails when this file is stale. Do not edit it by hand.",
    "",
    "## Modules and their calls",
    "",
    "An arrow is a module calling another module's actions through the broker (the label names them).",
    "The gateway calls every module for its routes. Every module's schema also holds the event tables",
    `(${EVENT_TABLES.map((table) => `\`${table}\``).join(", ")}: its outbox, the events it has handled, the deliveries it retries).`,
    "",
    "```mermaid",
    "flowchart LR",
    "  gateway([gateway])",
    ...modules.map((module) => `  ${module.contract.name}[${module.contract.name}]`),
    ...modules.map((module) => `  gateway --> ${module.contract.name}`),
  ];
  for (const module of modules) {
    for (const [callee, actions] of callsOf(module, contracts)) out.push(`  ${module.contract.name} -->|${[...actions].sort().join(", ")}| ${callee}`);
  }
  out.push("```", "", "## Events and their subscribers", "", "Durable events (outbox, then the in-process transport or JetStream), from the module that publishes", "each to the modules that handle it.", "", "```mermaid", "flowchart LR");
  const subscribers = new Map(modules.map((module) => [module.contract.name, subscribedEvents(module)]));
  modules.forEach((module) => {
    for (const event of Object.keys(module.contract.events)) {
      const id = event.replaceAll(".", "_");
      out.push(`  ${module.contract.name}[${module.contract.name}] --> ${id}{{${event}}}`);
      for (const [name, events] of subscribers) if (events.includes(event)) out.push(`  ${id} --> ${name}[${name}]`);
    }
  });
  out.push("```", "", "## Workflows", "");
  for (const module of modules) {
    for (const workflow of workflowsOf(module.contract.name)) {
      out.push(`\`${workflow.file}\`:`, "", ...workflow.steps.map((step) => `${step}`), "");
    }
  }
  for (const module of modules) {
    const name = module.contract.name;
    const calls = callsOf(module, contracts);
    out.push(`## ${name}`, "", "| action | who may call it | retry | routes |", "|---|---|---|---|");
    for (const action of Object.values(module.contract.actions) as ActionRef[]) {
      const who = action.access === "internal" ? `internal: ${(action.callers ?? []).join(", ")}` : action.access;
      out.push(`| \`${action.name}\` | ${who} | ${action.idempotent ? "safe" : "not safe"} | ${cell((routes.get(action.fullName) ?? []).map((route) => `\`${route}\``).join(", ") || "none")} |`);
    }
    const tables = module.entities.map((entity) => (entity as { meta: { collection: string } }).meta.collection).sort();
    out.push(
      "",
      `- calls: ${[...calls].map(([callee, actions]) => `${callee} (${[...actions].sort().join(", ")})`).join("; ") || "none"}`,
      `- publishes: ${Object.keys(module.contract.events).map((event) => `\`${event}\``).join(", ") || "none"}`,
      `- subscribes to: ${(subscribers.get(name) ?? []).map((event) => `\`${event}\``).join(", ") || "none"}`,
      `- tables (schema \`${name}\`): ${tables.map((table) => `\`${table}\``).join(", ")}, and the event tables`,
      `- settings: ${settingsOf(name).map((setting) => `\`${setting}\``).join(", ") || "none of its own"}`,
      `- never logged: ${module.contract.sensitive.map((field) => `\`${field}\``).join(", ") || "nothing of its own"}`,
      "",
    );
  }
  return `${out.join("\n").trimEnd()}\n`;
}
