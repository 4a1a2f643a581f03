import type { MigrationObject } from "../../../broker/database.ts";
import { CreatePayments } from "./0001-create-payments.migration.ts";
import { CreateProviderLedger } from "./0002-create-provider-ledger.migration.ts";
import { PaymentsByOwner } from "./0003-payments-by-owner.migration.ts";
import { PaymentTrace } from "./0004-payment-trace.migration.ts";

/** In order; a migration, once released, is never edited. */
export const migrations: MigrationObject[] = [
  { name: "0001-create-payments", class: CreatePayments },
  { name: "0002-create-provider-ledger", class: CreateProviderLedger },
  { name: "0003-payments-by-owner", class: PaymentsByOwner },
  { name: "0004-payment-trace", class: PaymentTrace },
];
