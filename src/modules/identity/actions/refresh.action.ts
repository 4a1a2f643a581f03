import type { AuthKeys, Role } from "../../../broker/auth.ts";
import type { ParamsOf, ResultOf } from "../../../broker/contract-kit.ts";
import type { ActionContext } from "../../../broker/module.ts";
import { Identity } from "../contract.ts";
import { rotate } from "../domain/refresh-tokens.ts";
import { UserEntity } from "../entities/user.entity.ts";

/** New tokens for a refresh token, which is used up; the roles are the user's as they are now. */
export async function refresh(
  params: ParamsOf<typeof Identity.actions.refresh>,
  ctx: ActionContext,
  keys: AuthKeys,
  refreshTokenTtlS: number,
): Promise<ResultOf<typeof Identity.actions.refresh>> {
  // Committed before any refusal: a reuse must leave its family revoked.
  const rotation = await ctx.transactional(({ em }) => rotate(em, params.refreshToken, refreshTokenTtlS));
  if (rotation.outcome === "reused") ctx.log.warn("a used refresh token was presented again: its login is revoked");
  const user = rotation.outcome === "rotated" ? await ctx.em.findOne(UserEntity, { id: rotation.userId }) : null;
  if (rotation.outcome !== "rotated" || !user) throw Identity.errors.invalidRefreshToken.error();
  const { accessToken, expiresIn } = await keys.sign({ id: user.id, roles: user.roles as Role[] });
  return { accessToken, tokenType: "Bearer", expiresIn, ...rotation.next };
}
