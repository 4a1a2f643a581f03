/**
 * Authorization happens in the module that owns the action, not only at the gateway: the caller's
 * token travels with the call and is verified here, so a forged identity in `meta` gets nowhere.
 * Internal actions need a calling module, proven (service-identity.ts); they act for that module,
 * not for a user, so they never spend time verifying the user's token again.
 */
import type { AuthKeys, AuthUser } from "../auth.ts";
import type { Access, CallMeta } from "../contract-kit.ts";
import { forbidden, unauthorized } from "../errors.ts";

export interface CallFacts {
  meta: CallMeta;
  /** The module making the call, proven; null when no module did. */
  module: string | null;
}

export async function authorize(
  spec: { access: Access; callers?: readonly string[] },
  call: CallFacts,
  keys: AuthKeys,
): Promise<AuthUser | null> {
  const { access } = spec;
  if (access === "anyone") return null;
  const bearer = typeof call.meta.authToken === "string" ? call.meta.authToken : undefined;
  if (access === "internal") {
    const { module } = call;
    if (!module) throw forbidden("Only other modules may call this.");
    if (spec.callers && !spec.callers.includes(module)) throw forbidden(`Module ${module} may not call this.`);
    return null;
  }
  const user = bearer ? await keys.verify(bearer) : null;
  if (!user) throw unauthorized();
  if (access === "admin" && !user.roles.includes("admin")) throw forbidden();
  return user;
}
