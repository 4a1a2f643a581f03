/** `npm run docs:arch`: writes docs/architecture.md (scripts/architecture-doc.ts says what is in it). */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { architectureDoc } from "./architecture-doc.ts";

const file = path.resolve(import.meta.dirname, "../docs/architecture.md");
await writeFile(file, await architectureDoc());
console.error(`wrote ${path.relative(process.cwd(), file)}`);
