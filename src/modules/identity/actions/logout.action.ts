import type { ParamsOf } from "../../../broker/contract-kit.ts";
import type { ActionContext } from "../../../broker/module.ts";
import type { Identity } from "../contract.ts";
import { revokeLogin } from "../domain/refresh-tokens.ts";

/** Access tokens already issued run out on their own (they are not looked up); the login's refresh tokens stop now. */
export async function logout(params: ParamsOf<typeof Identity.actions.logout>, ctx: ActionContext): Promise<Record<string, never>> {
  await ctx.transactional(({ em }) => revokeLogin(em, params.refreshToken));
  return {};
}
