import { notFound, unauthorized } from "../../../broker/errors.ts";
import type { ActionContext } from "../../../broker/module.ts";
import type { User } from "../contract.ts";
import { UserEntity } from "../entities/user.entity.ts";
import { toUser } from "./user.view.ts";

export async function me(_params: object, ctx: ActionContext): Promise<User> {
  if (!ctx.user) throw unauthorized();
  const user = await ctx.em.findOne(UserEntity, { id: ctx.user.id });
  // A valid token for an account that no longer exists.
  if (!user) throw notFound("The account no longer exists.");
  return toUser(user);
}
