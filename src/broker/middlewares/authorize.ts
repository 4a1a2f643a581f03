/**
 * Authorization happens in the module that owns the action, not only at the gateway: the caller's
 * token travels with the call and is verified here, so a forged identity in `meta` gets nowhere.
 */
import type { AuthKeys, AuthUser } from "../auth.ts";
import type { Access, CallMeta } from "../contract-kit.ts";
import { forbidden, unauthorized } from "../errors.ts";

export async function authorize(access: Access, meta: CallMeta, keys: AuthKeys): Promise<AuthUser | null> {
  if (access === "anyone") return null;
  // Until calls carry a signed service identity (issue 4), a module call is recognised by the
  // caller name that only ctx.call sets; the gateway cannot set it.
  if (access === "internal") {
    if (typeof meta.callerModule !== "string") throw forbidden("Only other modules may call this.");
    return token(meta) ? await keys.verify(token(meta) as string) : null;
  }
  const bearer = token(meta);
  const user = bearer ? await keys.verify(bearer) : null;
  if (!user) throw unauthorized();
  if (access === "admin" && !user.roles.includes("admin")) throw forbidden();
  return user;
}

function token(meta: CallMeta): string | undefined {
  return typeof meta.authToken === "string" ? meta.authToken : undefined;
}
