import { describe, expect, it } from "vitest";
import { helmetHeaders } from "./security-headers.ts";

describe("security headers", () => {
  it("claim HTTPS (HSTS) only when the gateway is behind TLS", () => {
    expect(helmetHeaders(false)).not.toHaveProperty("strict-transport-security");
    expect(helmetHeaders(true)["strict-transport-security"]).toMatch(/^max-age=\d+/);
    expect(helmetHeaders(false)["x-content-type-options"]).toBe("nosniff");
  });
});
