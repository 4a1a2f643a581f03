/**
 * What leaves a module as an error is either one of our AppErrors or a generic internal error: an
 * unexpected exception (SQL, a bug) is logged here with its request id, and its details stay here.
 */
import type { Context } from "moleculer";
import type { Logger } from "pino";
import { AppError, describeError } from "../errors.ts";

export function guardErrors<C extends Context<unknown, object>>(log: Logger, action: string, handler: (ctx: C) => Promise<unknown>) {
  return async (ctx: C): Promise<unknown> => {
    try {
      return await handler(ctx);
    } catch (error) {
      const described = describeError(error);
      if (described.status !== 500) throw error;
      log.error({ err: error, requestId: ctx.requestID, action }, "action failed");
      throw new AppError(500, "internal_error", described.detail);
    }
  };
}
