/**
 * Authorization happens in the module that owns the action, not only at the gateway: the caller's
 * token travels with the call and is verified here, so a forged identity in `meta` gets nowhere.
 */
import type { AuthKeys, AuthUser } from "../auth.ts";
import type { Access, CallMeta } from "../contract-kit.ts";
import { forbidden, unauthorized } from "../errors.ts";

export async function authorize(access: Access, meta: CallMeta, keys: AuthKeys): Promise<AuthUser | null> {
  if (access === "anyone") return null;
  const token = typeof meta.authToken === "string" ? meta.authToken : undefined;
  const user = token ? await keys.verify(token) : null;
  if (!user) throw unauthorized();
  if (access === "admin" && !user.roles.includes("admin")) throw forbidden();
  return user;
}
