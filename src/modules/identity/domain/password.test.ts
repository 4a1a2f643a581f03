import { describe, expect, it } from "vitest";
import { hashPassword, verifyPassword } from "./password.ts";

describe("password hashes", () => {
  it("verify the right password and refuse a wrong one", async () => {
    const hash = await hashPassword("s3cret pass");
    expect(await verifyPassword("s3cret pass", hash)).toBe(true);
    expect(await verifyPassword("s3cret pasS", hash)).toBe(false);
  });

  it("are salted: the same password hashes differently", async () => {
    expect(await hashPassword("same")).not.toBe(await hashPassword("same"));
  });

  it("refuse a stored value that is not an Argon2id hash", async () => {
    expect(await verifyPassword("x", "plain-text")).toBe(false);
  });
});
