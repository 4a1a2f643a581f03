import type { MigrationObject } from "../../../broker/database.ts";
import { CreateStock } from "./0001-create-stock.migration.ts";
import { ReserveStockFunction } from "./0002-reserve-stock-function.migration.ts";
import { NameEveryShortLine } from "./0003-name-every-short-line.migration.ts";
import { ReserveStockInBatches } from "./0004-reserve-stock-in-batches.migration.ts";
import { CreateHolds } from "./0005-create-holds.migration.ts";

/** In order; a migration, once released, is never edited. */
export const migrations: MigrationObject[] = [
  { name: "0001-create-stock", class: CreateStock },
  { name: "0002-reserve-stock-function", class: ReserveStockFunction },
  { name: "0003-name-every-short-line", class: NameEveryShortLine },
  { name: "0004-reserve-stock-in-batches", class: ReserveStockInBatches },
  { name: "0005-create-holds", class: CreateHolds },
];
