/**
 * Identity: accounts, login and access tokens. Every other module learns who a caller is from the
 * access tokens this module signs (verified with the public keys it publishes), never by asking it.
 */
import { CommonErrors, defineContract, defineErrors, Timestamp, Type, Uuid, type Static } from "../../broker/contract-kit.ts";

export const Role = Type.Union([Type.Literal("customer"), Type.Literal("admin")]);

export const User = Type.Object({
  id: Uuid,
  email: Type.String(),
  name: Type.String(),
  roles: Type.Array(Role),
  createdAt: Timestamp,
}, { title: "User" });
export type User = Static<typeof User>;

/** Trimmed and lower-cased by the module; at most 254 characters once trimmed. */
const Email = Type.String({ minLength: 3, maxLength: 320, pattern: "^\\s*[^\\s@]+@[^\\s@]+\\.[^\\s@]+\\s*$" });
const Password = Type.String({ minLength: 8, maxLength: 128 });

export const Registration = Type.Object(
  { email: Email, password: Password, name: Type.String({ minLength: 1, maxLength: 100 }) },
  { title: "Registration", additionalProperties: false },
);

export const Credentials = Type.Object(
  { email: Type.String({ minLength: 1, maxLength: 320 }), password: Type.String({ minLength: 1, maxLength: 128 }) },
  { title: "Credentials", additionalProperties: false },
);

export const AccessToken = Type.Object({
  accessToken: Type.String(),
  tokenType: Type.Literal("Bearer"),
  expiresIn: Type.Integer({ description: "seconds" }),
  refreshToken: Type.String({ description: "opaque; exchange it at /v1/auth/refresh for new tokens, once" }),
  refreshExpiresIn: Type.Integer({ description: "seconds" }),
}, { title: "AccessToken" });

export const RefreshToken = Type.Object({ refreshToken: Type.String({ minLength: 1, maxLength: 200 }) }, { title: "RefreshToken", additionalProperties: false });

export const Jwks = Type.Object({ keys: Type.Array(Type.Object({}, { additionalProperties: true })) }, { title: "Jwks" });

const errors = defineErrors({
  emailTaken: { status: 409, code: "email_taken", description: "An account with this email exists." },
  invalidRefreshToken: {
    status: 401,
    code: "invalid_refresh_token",
    description: "The refresh token is used, revoked, expired or unknown; a used one presented again revokes its whole login.",
  },
  invalidCredentials: { status: 401, code: "invalid_credentials", description: "The email or password is wrong (the same answer whether or not the email exists)." },
});

export const Identity = defineContract({
  name: "identity",
  errors,
  sensitive: ["password", "accessToken", "refreshToken"],
  actions: {
    /**
     * Creates a customer account. Anyone may call it.
     * Errors: `email_taken` (409), `validation_failed` (400). Not safe to retry blindly: a retry
     * after a lost answer reports `email_taken`.
     */
    register: { params: Registration, result: User, access: "anyone", idempotent: false, errors: [errors.emailTaken] },
    /**
     * Exchanges email and password for an access token. Anyone may call it.
     * Errors: `invalid_credentials` (401, the same whether or not the email exists), `rate_limited`
     * (429) after repeated failures for one email or from one address. Not retried: failures count.
     */
    login: { params: Credentials, result: AccessToken, access: "anyone", idempotent: false, errors: [errors.invalidCredentials] },
    /**
     * Exchanges a refresh token for new tokens; the one sent is used up. Anyone may call it.
     * Errors: `invalid_refresh_token` (401). Never retried: a retry would present a used token.
     */
    refresh: { params: RefreshToken, result: AccessToken, access: "anyone", idempotent: false, errors: [errors.invalidRefreshToken] },
    /** Ends the login a refresh token belongs to (all its refresh tokens); an unknown token is fine. Anyone. Safe to retry. */
    logout: { params: RefreshToken, result: Type.Object({}), access: "anyone", idempotent: true },
    /** The signed-in caller's own account. Errors: `unauthorized` (401). Safe to retry. */
    me: { params: Type.Object({}, { additionalProperties: false }), result: User, access: "user", idempotent: true, errors: [CommonErrors.notFound] },
    /** The public keys that verify access tokens (JWKS). Anyone may call it. Safe to retry. */
    jwks: { params: Type.Object({}, { additionalProperties: false }), result: Jwks, access: "anyone", idempotent: true },
  },
  events: {
    /** A new account exists. Payload: the user. */
    "identity.user.registered": User,
  },
});
