import { defineEntity, p, type InferEntity } from "@mikro-orm/core";

/** One failed login, kept for the 15-minute window that the login limits look back over. */
export const LoginFailureEntity = defineEntity({
  name: "LoginFailure",
  tableName: "login_failures",
  properties: {
    id: p.uuid().primary(),
    email: p.string(),
    clientIp: p.string().nullable(),
    failedAt: p.datetime(3),
  },
});
export type LoginFailureEntity = InferEntity<typeof LoginFailureEntity>;
