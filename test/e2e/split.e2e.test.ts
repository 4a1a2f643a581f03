import { afterAll, beforeAll, describe } from "vitest";
import { startSplit, type Topology } from "../support/topology.ts";
import { apiSuite } from "./api.suite.ts";
import { catalogV2Suite } from "./catalog-v2.suite.ts";
import { cateringSuite } from "./catering.suite.ts";
import { commerceSuite } from "./commerce.suite.ts";

let topology: Topology;
beforeAll(async () => {
  // With the gateway's cache on, as in production: every read and change of the suite goes through it.
  topology = await startSplit({ CACHE_TTL_S: "300" });
});
afterAll(() => topology?.stop());

describe("split: a process per module over NATS, PostgreSQL", () => {
  apiSuite(() => topology);
  catalogV2Suite(() => topology);
  cateringSuite(() => topology);
  commerceSuite(() => topology);
});
