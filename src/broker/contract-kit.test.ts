import { describe, expect, it } from "vitest";
import { defineContract, Type } from "./contract-kit.ts";

describe("defineContract", () => {
  const Params = Type.Object({});
  const contract = defineContract({
    name: "shelf",
    actions: { listBooks: { params: Params, result: Params, access: "anyone", idempotent: true } },
    events: { "shelf.book.added": Params },
  });

  it("names each action after its service", () => {
    expect(contract.actions.listBooks).toMatchObject({ service: "shelf", name: "listBooks", fullName: "shelf.listBooks" });
    expect(contract.events["shelf.book.added"].name).toBe("shelf.book.added");
  });

  it("refuses events not named <module>.<entity>.<pastVerb>", () => {
    expect(() => defineContract({ name: "shelf", actions: {}, events: { "other.book.added": Params } })).toThrow("must be named shelf.");
    expect(() => defineContract({ name: "shelf", actions: {}, events: { bookAdded: Params } })).toThrow();
  });
});
