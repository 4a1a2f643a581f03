/**
 * Failed logins count only within their 15-minute window; a login attempt prunes its own email's
 * old ones, but emails never tried again would keep theirs for ever. Hourly, the rest go.
 */
import { statement } from "../../../broker/module-sql.ts";
import type { ModuleRuntime } from "../../../broker/module.ts";
import { LOGIN_WINDOW_MS } from "../actions/login.action.ts";

const PRUNE = statement("identity_prune_login_failures", "with gone as (delete from identity.login_failures where failed_at < $1 returning 1) select count(*)::int as n from gone");

/** Deletes failures older than the window; answers how many went. */
export async function pruneLoginFailures(runtime: ModuleRuntime, now = Date.now()): Promise<number> {
  const [gone] = await runtime.db.query<{ n: number }>(PRUNE, [new Date(now - LOGIN_WINDOW_MS)]);
  return gone?.n ?? 0;
}
