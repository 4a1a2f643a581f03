/**
 * `npm run new:module -- <name>`: a new business module that passes `npm test` as generated, and
 * is registered everywhere the registry reaches: src/registry.ts, the gateway's route sets, the
 * API guide, then the generated deploy files (its NATS user among them), typed client and
 * docs/architecture.md. What it
 * changes outside the module's folder is those lines; what to write next is the contract.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { guideSection, moduleFiles, type Names } from "./new-module/templates.ts";

const root = path.resolve(import.meta.dirname, "..");
/** Names that mean something else already: process kinds, MODULES values, NATS users. */
const TAKEN = new Set(["gateway", "ops", "none", "all", "broker", "modules", "console", "health", "docs"]);

function namesOf(name: string | undefined): Names {
  if (!name || !/^[a-z][a-z0-9]{1,29}$/.test(name)) {
    throw new Error("a module's name is 2 to 30 lower-case letters and digits, starting with a letter (it names its folder, schema, NATS user and routes)");
  }
  if (TAKEN.has(name)) throw new Error(`"${name}" is taken by something else of bazaar`);
  if (existsSync(path.join(root, "src/modules", name))) throw new Error(`src/modules/${name} exists already`);
  return { name, Pascal: name[0]?.toUpperCase() + name.slice(1) };
}

/** Inserts `line` after the last line matching `after`; refuses to guess when nothing matches. */
function insertAfterLast(text: string, after: RegExp, line: string, file: string): string {
  const lines = text.split("\n");
  const at = lines.findLastIndex((each) => after.test(each));
  if (at === -1) throw new Error(`${file} has no line like ${after}: add the module there by hand`);
  lines.splice(at + 1, 0, line);
  return lines.join("\n");
}

async function edit(file: string, change: (text: string) => string): Promise<void> {
  const full = path.join(root, file);
  await writeFile(full, change(await readFile(full, "utf8")));
  console.error(`edited ${file}`);
}

async function register(names: Names): Promise<void> {
  const { name, Pascal } = names;
  await edit("src/registry.ts", (text) =>
    insertAfterLast(text, /^import \w+ from "\.\/modules\/\w+\/index\.ts";$/, `import ${name} from "./modules/${name}/index.ts";`, "src/registry.ts")
      .replace(/(export const registry = \[[^\]]*)\]/, `$1, ${name}]`));
  await edit("src/gateway/routes/index.ts", (text) => {
    let next = insertAfterLast(text, /^import \{ \w+ \} from "\.\.\/\.\.\/modules\/\w+\/contract\.ts";$/, `import { ${Pascal} } from "../../modules/${name}/contract.ts";`, "src/gateway/routes/index.ts");
    next = insertAfterLast(next, /^import \{ \w+Routes \} from "\.\/\w+\/index\.ts";$/, `import { ${name}Routes } from "./${name}/index.ts";`, "src/gateway/routes/index.ts");
    return insertAfterLast(next, /^ {2}\{ module: \w+\.name, contract: \w+, routes: \w+Routes \},$/, `  { module: ${Pascal}.name, contract: ${Pascal}, routes: ${name}Routes },`, "src/gateway/routes/index.ts");
  });
  await edit("docs/api.md", (text) => `${text.trimEnd()}\n${guideSection(names)}`);
}

const names = namesOf(process.argv[2]);
for (const [file, text] of Object.entries(moduleFiles(names))) {
  await mkdir(path.dirname(path.join(root, file)), { recursive: true });
  await writeFile(path.join(root, file), text);
  console.error(`wrote ${file}`);
}
await register(names);
// The files that follow from the registry, the API document and the modules' code.
for (const script of ["deploy:generate", "client:generate", "docs:arch"]) execFileSync("npm", ["run", "-s", script], { cwd: root, stdio: "inherit" });
console.error(`\nmodule ${names.name} is ready: write its contract (src/modules/${names.name}/contract.ts), then npm test`);
