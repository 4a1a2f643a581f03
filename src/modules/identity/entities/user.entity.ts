import { defineEntity, p, type InferEntity } from "@mikro-orm/core";

export const UserEntity = defineEntity({
  name: "User",
  tableName: "users",
  properties: {
    id: p.uuid().primary(),
    email: p.string().unique(),
    name: p.string(),
    passwordHash: p.string(),
    roles: p.array(),
    createdAt: p.datetime(3),
  },
});
export type UserEntity = InferEntity<typeof UserEntity>;
