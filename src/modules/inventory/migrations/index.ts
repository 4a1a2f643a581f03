import type { MigrationObject } from "../../../broker/database.ts";
import { CreateStock } from "./0001-create-stock.migration.ts";

/** In order; a migration, once released, is never edited. */
export const migrations: MigrationObject[] = [{ name: "0001-create-stock", class: CreateStock }];
