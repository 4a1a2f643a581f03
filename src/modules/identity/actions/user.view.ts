import type { User } from "../contract.ts";
import type { UserEntity } from "../entities/user.entity.ts";

export function toUser(entity: UserEntity): User {
  return {
    id: entity.id,
    email: entity.email,
    name: entity.name,
    roles: entity.roles as User["roles"],
    createdAt: entity.createdAt.toISOString(),
  };
}
