import { defineModule } from "../../broker/module.ts";
import { bootstrapAdmin } from "./actions/bootstrap-admin.startup.ts";
import { login } from "./actions/login.action.ts";
import { logout } from "./actions/logout.action.ts";
import { me } from "./actions/me.action.ts";
import { refresh } from "./actions/refresh.action.ts";
import { register } from "./actions/register.action.ts";
import { Identity } from "./contract.ts";
import { LoginFailureEntity } from "./entities/login-failure.entity.ts";
import { UserEntity } from "./entities/user.entity.ts";
import { migrations } from "./migrations/index.ts";
import { pruneLoginFailures } from "./workers/prune-login-failures.worker.ts";

export const identityModule = defineModule({
  contract: Identity,
  entities: [UserEntity, LoginFailureEntity],
  migrations,
  handlers: (runtime) => ({
    register,
    login: (params, ctx) =>
      login(params, ctx, runtime.auth, { maxFailuresPerEmail: runtime.config.rateLimit.loginMaxFailures, refreshTokenTtlS: runtime.config.auth.refreshTokenTtlS }),
    refresh: (params, ctx) => refresh(params, ctx, runtime.auth, runtime.config.auth.refreshTokenTtlS),
    logout,
    me,
    jwks: async () => runtime.auth.jwks() as { keys: Record<string, unknown>[] },
  }),
  started: bootstrapAdmin,
  background: (runtime) => [
    { name: "prune-login-failures", fallbackMs: 3600 * 1000, firstRunMs: 60 * 1000, run: async () => void (await pruneLoginFailures(runtime)) },
  ],
});
