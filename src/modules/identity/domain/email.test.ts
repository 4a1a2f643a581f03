import { describe, expect, it } from "vitest";
import { isAcceptableEmail, normalizeEmail } from "./email.ts";

describe("emails", () => {
  it("are trimmed and lower-cased", () => {
    expect(normalizeEmail("  Ada@Example.COM\t")).toBe("ada@example.com");
  });

  it.each(["a@b.co", "first.last+tag@sub.example.org"])("accept %s", (email) => expect(isAcceptableEmail(email)).toBe(true));
  it.each(["a@b", "@b.co", "a b@c.de", `${"a".repeat(250)}@b.co`])("refuse %s", (email) => expect(isAcceptableEmail(email)).toBe(false));
});
