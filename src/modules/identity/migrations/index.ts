import type { MigrationObject } from "../../../broker/database.ts";
import { CreateUsers } from "./0001-create-users.migration.ts";
import { CreateRefreshTokens } from "./0002-create-refresh-tokens.migration.ts";

/** In order; a migration, once released, is never edited. */
export const migrations: MigrationObject[] = [
  { name: "0001-create-users", class: CreateUsers },
  { name: "0002-create-refresh-tokens", class: CreateRefreshTokens },
];
