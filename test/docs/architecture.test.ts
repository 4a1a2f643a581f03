import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { architectureDoc } from "../../scripts/architecture-doc.ts";

describe("docs/architecture.md", () => {
  it("is what npm run docs:arch makes of the code now (else: npm run docs:arch)", async () => {
    const committed = await readFile(path.resolve(import.meta.dirname, "../../docs/architecture.md"), "utf8");
    expect(committed).toBe(await architectureDoc());
  });

  it("shows the calls, events and workflow steps the modules really have", async () => {
    const doc = await architectureDoc();
    expect(doc).toContain("  orders -->|releaseStock, reserveStock| inventory");
    expect(doc).toContain("  catering -->|holdStock, releaseHold, sellHold| inventory");
    expect(doc).toContain("  orders_order_placed --> payments[payments]");
    expect(doc).toMatch(/^3\. hold the stock \(inventory\.reserveStock, idempotent by order id\) ← compensate: inventory\.releaseStock$/m);
    expect(doc).toContain("| `holdStock` | internal: catering | safe | none |");
    expect(doc).toContain("- settings: `RESERVATION_TTL_S`");
  });
});
