/**
 * `npm run deploy:generate`: writes the deploy files that follow from the module registry
 * (scripts/deploy-files.ts says which). A test fails when a committed one differs from what this writes.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { deployFiles } from "./deploy-files.ts";

const root = path.resolve(import.meta.dirname, "..");
for (const [file, text] of deployFiles()) {
  await mkdir(path.dirname(path.join(root, file)), { recursive: true });
  await writeFile(path.join(root, file), text);
  console.error(`wrote ${file}`);
}
