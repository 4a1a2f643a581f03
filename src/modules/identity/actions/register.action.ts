import { randomUUID } from "node:crypto";
import { UniqueConstraintViolationException } from "@mikro-orm/core";
import type { ModuleEntityManager } from "../../../broker/database.ts";
import { validationFailed } from "../../../broker/errors.ts";
import type { ActionContext } from "../../../broker/module.ts";
import { Identity, type User } from "../contract.ts";
import { isAcceptableEmail, normalizeEmail } from "../domain/email.ts";
import { hashPassword } from "../domain/password.ts";
import { UserEntity } from "../entities/user.entity.ts";
import { toUser } from "./user.view.ts";

type Registration = { email: string; password: string; name: string };

export async function register(params: Registration, ctx: ActionContext): Promise<User> {
  return createUser(ctx.em, params, ["customer"], (user) => ctx.publish(Identity.events["identity.user.registered"], user));
}

/** Shared by registration and the admin bootstrap; `announce` stages an event in the same transaction. */
export async function createUser(
  em: ModuleEntityManager,
  params: Registration,
  roles: User["roles"],
  announce?: (user: User) => void,
): Promise<User> {
  const email = normalizeEmail(params.email);
  if (!isAcceptableEmail(email)) throw validationFailed([{ path: "/email", message: "must look like local@domain.tld" }]);
  const entity = em.create(UserEntity, {
    id: randomUUID(),
    email,
    name: params.name,
    passwordHash: await hashPassword(params.password),
    roles,
    createdAt: new Date(),
  });
  const user = toUser(entity);
  announce?.(user);
  try {
    await em.flush();
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) throw Identity.errors.emailTaken.error();
    throw error;
  }
  return user;
}
