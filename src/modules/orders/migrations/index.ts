import type { MigrationObject } from "../../../broker/database.ts";
import { CreateOrders } from "./0001-create-orders.migration.ts";

/** In order; a migration, once released, is never edited. */
export const migrations: MigrationObject[] = [{ name: "0001-create-orders", class: CreateOrders }];
