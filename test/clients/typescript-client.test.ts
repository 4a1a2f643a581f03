/** The shipped client's types are the API's: regenerated from the document, they are what is committed. */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { clientSchema } from "../../scripts/client-schema.ts";

describe("clients/typescript", () => {
  it("has the types the OpenAPI document generates (else: npm run client:generate)", async () => {
    const committed = await readFile(path.resolve(import.meta.dirname, "../../clients/typescript/src/schema.ts"), "utf8");
    expect(committed === (await clientSchema()), "clients/typescript/src/schema.ts is out of date: run npm run client:generate").toBe(true);
  });
});
