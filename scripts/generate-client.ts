/**
 * `npm run client:generate`: writes the typed client's types (clients/typescript/src/schema.ts)
 * from the OpenAPI document. A test fails when the committed file differs from what this writes.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { clientSchema } from "./client-schema.ts";

const file = path.resolve(import.meta.dirname, "../clients/typescript/src/schema.ts");
await writeFile(file, await clientSchema());
console.error(`wrote ${path.relative(process.cwd(), file)}`);
