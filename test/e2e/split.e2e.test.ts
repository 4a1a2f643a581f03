import { afterAll, beforeAll, describe } from "vitest";
import { startSplit, type Topology } from "../support/topology.ts";
import { apiSuite } from "./api.suite.ts";
import { commerceSuite } from "./commerce.suite.ts";

let topology: Topology;
beforeAll(async () => {
  topology = await startSplit();
});
afterAll(() => topology?.stop());

describe("split: a process per module over NATS, PostgreSQL", () => {
  apiSuite(() => topology);
  commerceSuite(() => topology);
});
