import type { MigrationObject } from "../../../broker/database.ts";
import { CreateProducts } from "./0001-create-products.migration.ts";

/** In order; a migration, once released, is never edited. */
export const migrations: MigrationObject[] = [{ name: "0001-create-products", class: CreateProducts }];
