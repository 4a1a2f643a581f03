import { Migration } from "@mikro-orm/migrations";

/** A payment keeps the trace of the order it charges, so that its capture (or decline) continues that trace. */
export class PaymentTrace extends Migration {
  override up(): void {
    this.addSql("alter table payments.payments add column trace_parent varchar(55)");
  }
}
