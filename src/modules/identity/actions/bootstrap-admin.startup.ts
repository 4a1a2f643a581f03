import type { ModuleRuntime } from "../../../broker/module.ts";
import { normalizeEmail } from "../domain/email.ts";
import { UserEntity } from "../entities/user.entity.ts";
import { createUser } from "./register.action.ts";
import { Identity } from "../contract.ts";

/** Creates the configured admin once; a user that already has the email is left as it is. */
export async function bootstrapAdmin(runtime: ModuleRuntime): Promise<void> {
  const { adminEmail, adminPassword } = runtime.config;
  if (!adminEmail || !adminPassword) return;
  const em = runtime.orm.em.fork();
  if (await em.findOne(UserEntity, { email: normalizeEmail(adminEmail) })) return;
  try {
    await createUser(em, { email: adminEmail, password: adminPassword, name: "Administrator" }, ["admin"]);
    runtime.log.info({ email: normalizeEmail(adminEmail) }, "admin account created");
  } catch (error) {
    // Another instance of this module created it first.
    if (!Identity.errors.emailTaken.is(error)) throw error;
  }
}
