/**
 * Rotating refresh tokens. The token is 32 random bytes; only its SHA-256 is stored. Using one
 * marks it used and issues the next of its family in the same transaction, so of two uses of one
 * token (however concurrent) only the first succeeds, and the second revokes the whole family:
 * whoever holds a copy of a stolen token loses it as soon as either party uses it again.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { ModuleEntityManager } from "../../../broker/database.ts";

export interface IssuedToken {
  refreshToken: string;
  refreshExpiresIn: number;
}

export type Rotation = { outcome: "rotated"; userId: string; next: IssuedToken } | { outcome: "refused" } | { outcome: "reused" };

const hashOf = (token: string) => createHash("sha256").update(token).digest("hex");

function run<T>(em: ModuleEntityManager, sql: string, params: unknown[]): Promise<T[]> {
  return em.getConnection().execute<T[]>(sql, params, "all", em.getTransactionContext());
}

/** Issues a token of `familyId` (a new family: a new login) that lasts `ttlS`. */
export async function issue(em: ModuleEntityManager, userId: string, ttlS: number, familyId: string = randomUUID()): Promise<IssuedToken> {
  const refreshToken = randomBytes(32).toString("base64url");
  await run(em, "insert into identity.refresh_tokens (token_hash, family_id, user_id, expires_at, created_at) values (?, ?, ?, ?, now())", [
    hashOf(refreshToken),
    familyId,
    userId,
    new Date(Date.now() + ttlS * 1000),
  ]);
  return { refreshToken, refreshExpiresIn: ttlS };
}

/** Uses `token` up and issues its successor; `reused` means the family was revoked just now, and must be committed. */
export async function rotate(em: ModuleEntityManager, token: string, ttlS: number): Promise<Rotation> {
  const hash = hashOf(token);
  const [used] = await run<{ family_id: string; user_id: string }>(
    em,
    "update identity.refresh_tokens set used_at = now() where token_hash = ? and used_at is null and revoked_at is null and expires_at > now() returning family_id, user_id",
    [hash],
  );
  if (used) return { outcome: "rotated", userId: used.user_id, next: await issue(em, used.user_id, ttlS, used.family_id) };
  const [known] = await run<{ family_id: string; used_at: Date | null; revoked_at: Date | null }>(em, "select family_id, used_at, revoked_at from identity.refresh_tokens where token_hash = ?", [hash]);
  if (!known?.used_at || known.revoked_at) return { outcome: "refused" };
  await revokeFamily(em, known.family_id);
  return { outcome: "reused" };
}

/** Revokes every token of the login `token` belongs to; nothing to revoke is fine. */
export async function revokeLogin(em: ModuleEntityManager, token: string): Promise<void> {
  const [known] = await run<{ family_id: string }>(em, "select family_id from identity.refresh_tokens where token_hash = ?", [hashOf(token)]);
  if (known) await revokeFamily(em, known.family_id);
}

async function revokeFamily(em: ModuleEntityManager, familyId: string): Promise<void> {
  await run(em, "update identity.refresh_tokens set revoked_at = now() where family_id = ? and revoked_at is null", [familyId]);
}
