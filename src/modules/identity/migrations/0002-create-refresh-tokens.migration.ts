import { Migration } from "@mikro-orm/migrations";

/**
 * Refresh tokens, one row per token ever issued, kept only as a SHA-256 of the token. A login
 * starts a family; each refresh uses its token up and issues the next in the family, so a token
 * presented twice (stolen and used by two parties) is recognised and the family revoked.
 */
export class CreateRefreshTokens extends Migration {
  override up(): void {
    this.addSql(`
      create table refresh_tokens (
        token_hash char(64) primary key,
        family_id uuid not null,
        user_id uuid not null,
        expires_at timestamptz(3) not null,
        used_at timestamptz(3),
        revoked_at timestamptz(3),
        created_at timestamptz(3) not null
      )`);
    this.addSql("create index refresh_tokens_family_idx on refresh_tokens (family_id)");
  }
}
