import { describe, expect, it } from "vitest";
import { DEFENCES, defenceOff } from "./defences.ts";

describe("defence switches", () => {
  it("exist only under NODE_ENV=test: no setting turns a defence off in development or production", () => {
    for (const defence of DEFENCES) {
      expect(defenceOff(defence, { NODE_ENV: "test", BAZAAR_DEFENCE_OFF: defence })).toBe(true);
      for (const NODE_ENV of ["production", "development", undefined]) expect(defenceOff(defence, { NODE_ENV, BAZAAR_DEFENCE_OFF: defence })).toBe(false);
      expect(defenceOff(defence, { NODE_ENV: "test" })).toBe(false);
    }
  });
});
