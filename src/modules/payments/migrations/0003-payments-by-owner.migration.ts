import { Migration } from "@mikro-orm/migrations";

/** A customer's payments, newest first, for GET /v1/payments without an order. */
export class PaymentsByOwner extends Migration {
  override up(): void {
    this.addSql("create index payments_owner_idx on payments (user_id, created_at desc, id desc)");
  }
}
