import type { MigrationObject } from "../../../broker/database.ts";
import { CreateRequests } from "./0001-create-requests.migration.ts";

/** In order; a migration, once released, is never edited. */
export const migrations: MigrationObject[] = [{ name: "0001-create-requests", class: CreateRequests }];
