/**
 * The boundary rules of ARCHITECTURE.md, checked by `npm run lint:arch` (part of `npm test`).
 * Each rule has a fixture that breaks it in test/architecture/, so a rule that silently matches
 * nothing fails the build.
 */
import path from "node:path";

const moduleFolder = "^src/modules/([^/]+)/";

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: "module-reaches-into-another",
      comment: "Rule 1: a module imports nothing from another module but its contract.ts.",
      severity: "error",
      from: { path: moduleFolder },
      to: { path: "^src/modules/[^/]+/", pathNot: ["^src/modules/$1/", "^src/modules/[^/]+/contract\\.ts$"] },
    },
    {
      name: "contract-imports-beyond-kit",
      comment: "Rule 2: contract.ts imports only the contract kit (which carries the schema library).",
      severity: "error",
      from: { path: "^src/modules/[^/]+/contract\\.ts$" },
      to: { pathNot: "^src/broker/contract-kit\\.ts$" },
    },
    {
      name: "gateway-imports-module-internals",
      comment: "Rule 3: the gateway imports only module contracts.",
      severity: "error",
      from: { path: "^src/gateway/" },
      to: { path: "^src/modules/", pathNot: "^src/modules/[^/]+/contract\\.ts$" },
    },
    {
      name: "module-index-outside-registry",
      comment: "Rule 3: only the registry (src/registry.ts) imports a module's index.ts.",
      severity: "error",
      from: { pathNot: "^src/registry\\.ts$" },
      to: { path: "^src/modules/[^/]+/index\\.ts$" },
    },
    {
      name: "broker-imports-module",
      comment: "Rule 4: src/broker/ is infrastructure and imports no module (nor the gateway).",
      severity: "error",
      from: { path: "^src/broker/" },
      to: { path: "^src/(modules|gateway)/" },
    },
    {
      name: "no-circular",
      comment: "Cycles make modules impossible to extract one by one.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "not-to-unresolvable",
      comment: "An import that resolves to nothing is a typo or a missing dependency.",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: path.join(import.meta.dirname, "tsconfig.json") },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"] },
  },
};
