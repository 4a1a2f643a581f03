import { randomUUID } from "node:crypto";
import { AppError, rateLimited } from "../../../broker/errors.ts";
import type { ActionContext } from "../../../broker/module.ts";
import type { AuthKeys, Role } from "../../../broker/auth.ts";
import { normalizeEmail } from "../domain/email.ts";
import { decoyHash, verifyPassword } from "../domain/password.ts";
import { LoginFailureEntity } from "../entities/login-failure.entity.ts";
import { UserEntity } from "../entities/user.entity.ts";

const WINDOW_MS = 15 * 60 * 1000;
const MAX_FAILURES_PER_ADDRESS = 100;

export interface LoginLimits {
  maxFailuresPerEmail: number;
}

export async function login(
  params: { email: string; password: string },
  ctx: ActionContext,
  keys: AuthKeys,
  limits: LoginLimits,
) {
  const email = normalizeEmail(params.email);
  const since = new Date(Date.now() - WINDOW_MS);
  await refuseWhenLimited(ctx, { email }, since, limits.maxFailuresPerEmail);
  if (ctx.clientIp) await refuseWhenLimited(ctx, { clientIp: ctx.clientIp }, since, MAX_FAILURES_PER_ADDRESS);

  const user = await ctx.em.findOne(UserEntity, { email });
  // Verify against a decoy when no user matches, so the answer takes as long either way.
  const valid = await verifyPassword(params.password, user?.passwordHash ?? (await decoyHash()));
  if (!user || !valid) {
    ctx.em.create(LoginFailureEntity, { id: randomUUID(), email, clientIp: ctx.clientIp ?? null, failedAt: new Date() });
    await ctx.em.flush();
    throw new AppError(401, "invalid_credentials", "The email or password is wrong.");
  }
  const { accessToken, expiresIn } = await keys.sign({ id: user.id, roles: user.roles as Role[] });
  return { accessToken, tokenType: "Bearer" as const, expiresIn };
}

async function refuseWhenLimited(
  ctx: ActionContext,
  who: { email: string } | { clientIp: string },
  since: Date,
  max: number,
): Promise<void> {
  const failures = await ctx.em.find(
    LoginFailureEntity,
    { ...who, failedAt: { $gt: since } },
    { orderBy: { failedAt: "desc" }, limit: max, fields: ["failedAt"] },
  );
  if (failures.length < max) return;
  const oldestCounted = failures.at(-1)?.failedAt ?? since;
  const retryAfterS = Math.max(1, Math.ceil((oldestCounted.getTime() + WINDOW_MS - Date.now()) / 1000));
  throw rateLimited(retryAfterS, "Too many failed logins; try again later.");
}
