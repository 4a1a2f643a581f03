import { randomUUID } from "node:crypto";
import { rateLimited } from "../../../broker/errors.ts";
import type { ActionContext } from "../../../broker/module.ts";
import type { AuthKeys, Role } from "../../../broker/auth.ts";
import { Identity } from "../contract.ts";
import { isAcceptableEmail, normalizeEmail } from "../domain/email.ts";
import { decoyHash, verifyPassword } from "../domain/password.ts";
import { issue } from "../domain/refresh-tokens.ts";
import { LoginFailureEntity } from "../entities/login-failure.entity.ts";
import { UserEntity } from "../entities/user.entity.ts";

/** Failed logins count for this long. */
export const LOGIN_WINDOW_MS = 15 * 60 * 1000;
const MAX_FAILURES_PER_ADDRESS = 100;

export interface LoginLimits {
  maxFailuresPerEmail: number;
  refreshTokenTtlS: number;
}

export async function login(
  params: { email: string; password: string },
  ctx: ActionContext,
  keys: AuthKeys,
  limits: LoginLimits,
) {
  const email = normalizeEmail(params.email);
  // The contract takes any email a client may send; one no account can have (too long for the
  // column, or not an email at all) is simply wrong, answered as slowly as any other.
  if (!isAcceptableEmail(email)) {
    await verifyPassword(params.password, await decoyHash());
    throw invalidCredentials();
  }
  const since = new Date(Date.now() - LOGIN_WINDOW_MS);
  // The attempt is recorded as a failure before anything is checked, so parallel guesses see each
  // other; it is removed again if it is refused or succeeds.
  const attempt = ctx.em.create(LoginFailureEntity, { id: randomUUID(), email, clientIp: ctx.clientIp ?? null, failedAt: new Date() });
  await ctx.em.flush();
  const forget = async () => {
    ctx.em.remove(attempt);
    await ctx.em.flush();
  };
  await refuseWhenLimited(ctx, { email }, since, limits.maxFailuresPerEmail, attempt.id, forget);
  if (ctx.clientIp) await refuseWhenLimited(ctx, { clientIp: ctx.clientIp }, since, MAX_FAILURES_PER_ADDRESS, attempt.id, forget);

  const user = await ctx.em.findOne(UserEntity, { email });
  // Verify against a decoy when no user matches, so the answer takes as long either way.
  const valid = await verifyPassword(params.password, user?.passwordHash ?? (await decoyHash()));
  if (!user || !valid) {
    await ctx.em.nativeDelete(LoginFailureEntity, { email, failedAt: { $lt: since } });
    throw invalidCredentials();
  }
  await forget();
  const { accessToken, expiresIn } = await keys.sign({ id: user.id, roles: user.roles as Role[] });
  return { accessToken, tokenType: "Bearer" as const, expiresIn, ...(await issue(ctx.em, user.id, limits.refreshTokenTtlS)) };
}

const invalidCredentials = () => Identity.errors.invalidCredentials.error("The email or password is wrong.");

async function refuseWhenLimited(
  ctx: ActionContext,
  who: { email: string } | { clientIp: string },
  since: Date,
  max: number,
  ownAttempt: string,
  forget: () => Promise<void>,
): Promise<void> {
  const failures = await ctx.em.find(
    LoginFailureEntity,
    { ...who, failedAt: { $gt: since }, id: { $ne: ownAttempt } },
    { orderBy: { failedAt: "desc" }, limit: max, fields: ["failedAt"] },
  );
  if (failures.length < max) return;
  await forget();
  const oldestCounted = failures.at(-1)?.failedAt ?? since;
  const retryAfterS = Math.max(1, Math.ceil((oldestCounted.getTime() + LOGIN_WINDOW_MS - Date.now()) / 1000));
  throw rateLimited(retryAfterS, "Too many failed logins; try again later.");
}
