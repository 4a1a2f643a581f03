import { describe, expect, it } from "vitest";
import { CommonErrors } from "../broker/errors.ts";
import { AMOUNT_PATTERN, fromAmount, minorDigits, toAmount } from "./money.ts";

const refusal = (amount: string, currency: string) => {
  try {
    fromAmount(amount, currency, "/price/amount");
  } catch (error) {
    return CommonErrors.validationFailed.is(error) ? (error.data as { errors: { path: string; message: string }[] }).errors : error;
  }
  return undefined;
};

describe("money as a decimal string", () => {
  it("has ISO 4217's minor-unit digits, and 2 for a code it does not list", () => {
    expect([minorDigits("EUR"), minorDigits("JPY"), minorDigits("BHD"), minorDigits("CLF"), minorDigits("BUP")]).toEqual([2, 0, 3, 4, 2]);
  });

  it("writes minor units with exactly those digits", () => {
    expect([toAmount(1234, "EUR"), toAmount(5, "EUR"), toAmount(0, "EUR"), toAmount(1200, "JPY"), toAmount(0, "JPY"), toAmount(1250, "BHD"), toAmount(7, "BHD"), toAmount(100_000_000, "EUR")]).toEqual(["12.34", "0.05", "0.00", "1200", "0", "1.250", "0.007", "1000000.00"]);
  });

  it("reads back what it writes, for every bound", () => {
    for (const [units, currency] of [[0, "EUR"], [1, "EUR"], [99, "EUR"], [100_000_000, "EUR"], [100_000_000, "JPY"], [100_000_000, "BHD"], [123_456, "CLF"]] as const) {
      expect(fromAmount(toAmount(units, currency), currency, "/p")).toBe(units);
    }
  });

  it("refuses other decimals than the currency's, and more than the bound, at the path given", () => {
    expect(refusal("12.3", "EUR")).toEqual([{ path: "/price/amount", message: "must have exactly 2 decimals for EUR" }]);
    expect(refusal("12.34", "JPY")).toEqual([{ path: "/price/amount", message: "must be a whole number: JPY has no minor unit" }]);
    expect(refusal("1000000.01", "EUR")).toEqual([{ path: "/price/amount", message: "must be at most 1000000.00" }]);
    expect(refusal("99999999999999999999", "JPY")).toEqual([{ path: "/price/amount", message: "must be at most 100000000" }]);
    expect(refusal("1000000.00", "EUR")).toBeUndefined();
  });

  it("has a shape with no sign, exponent, separator or superfluous zero", () => {
    const shape = new RegExp(AMOUNT_PATTERN);
    expect(["0", "0.00", "12.34", "1200", "10.50"].filter((s) => !shape.test(s))).toEqual([]);
    expect(["012.34", ".50", "00.00", "-1.00", "+1", "1e3", "1 000", "1,00", "12.", "", " 1", "١٢"].filter((s) => shape.test(s))).toEqual([]);
  });
});
