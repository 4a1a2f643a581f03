import { notFound } from "../../../broker/errors.ts";
import type { ModuleEntityManager } from "../../../broker/database.ts";
import type { ActionContext } from "../../../broker/module.ts";
import { RequestEntity } from "../entities/request.entity.ts";

/** The request if the caller may see it (its owner or an admin); for anyone else it does not exist. */
export async function findVisibleRequest(ctx: Pick<ActionContext, "user">, em: ModuleEntityManager, id: string): Promise<RequestEntity> {
  const request = await em.findOne(RequestEntity, { id: id.toLowerCase() });
  const user = ctx.user;
  if (!request || !user || (request.userId !== user.id && !user.roles.includes("admin"))) throw notFound("No such catering request.");
  return request;
}
