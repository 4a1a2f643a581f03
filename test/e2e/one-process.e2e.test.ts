import { afterAll, beforeAll, describe } from "vitest";
import { startOneProcess, type Topology } from "../support/topology.ts";
import { apiSuite } from "./api.suite.ts";
import { catalogV2Suite } from "./catalog-v2.suite.ts";
import { cateringSuite } from "./catering.suite.ts";
import { commerceSuite } from "./commerce.suite.ts";

let topology: Topology;
beforeAll(async () => {
  topology = await startOneProcess();
});
afterAll(() => topology?.stop());

describe("one process, embedded database", () => {
  apiSuite(() => topology);
  catalogV2Suite(() => topology);
  cateringSuite(() => topology);
  commerceSuite(() => topology);
});
