import { Migration } from "@mikro-orm/migrations";

export class CreateUsers extends Migration {
  override up(): void {
    this.addSql(`
      create table users (
        id uuid primary key,
        email varchar(254) not null unique,
        name varchar(100) not null,
        password_hash text not null,
        roles text[] not null,
        created_at timestamptz(3) not null
      )`);
    this.addSql(`
      create table login_failures (
        id uuid primary key,
        email varchar(254) not null,
        client_ip varchar(64),
        failed_at timestamptz(3) not null
      )`);
    this.addSql("create index login_failures_email_idx on login_failures (email, failed_at)");
    this.addSql("create index login_failures_ip_idx on login_failures (client_ip, failed_at)");
  }
}
