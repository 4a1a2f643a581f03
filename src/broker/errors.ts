/**
 * Errors that cross module boundaries. Moleculer serialises `code` (we use the HTTP status), `type`
 * (our stable snake_case code) and `data` over the wire, so an AppError thrown in a module arrives at
 * the gateway with the same status and code in one process and over NATS alike.
 */
import moleculer from "moleculer";

const { Errors } = moleculer;

/** One field problem, `path` a JSON Pointer into the params or body. */
export interface FieldError {
  path: string;
  message: string;
}

export interface ProblemData {
  errors?: FieldError[];
  retryAfterS?: number;
  /** Extension members of the problem document (RFC 9457), as the error's spec declares them. */
  members?: Record<string, unknown>;
}

export class AppError extends Errors.MoleculerError {
  constructor(status: number, code: string, detail: string, data?: ProblemData) {
    super(detail, status, code, data);
    this.name = "AppError";
  }
}

/**
 * An error an action answers with: the HTTP status, the stable snake_case code clients branch on,
 * and what it means. Module-specific ones are declared in the module's contract (`errors`).
 */
export interface ErrorSpec {
  status: number;
  code: string;
  description: string;
  /** JSON Schemas of the extension members its problem documents carry (`data.members`). */
  members?: Record<string, object>;
}

/** A declared error, as throw sites and callers use it. */
export interface ErrorRef extends ErrorSpec {
  /** The error to throw; `detail` says what happened this time (default: the description). */
  error(detail?: string, data?: ProblemData): AppError;
  /** Whether `error` (e.g. from a call) is this one, in one process and over NATS alike. */
  is(error: unknown): error is AppError;
}

/** Declares errors: each gets `error()` to make it and `is()` to recognise it. */
export function defineErrors<const E extends Record<string, ErrorSpec>>(errors: E): { [K in keyof E]: E[K] & ErrorRef } {
  const refs = {} as Record<string, ErrorSpec & ErrorRef>;
  for (const [key, spec] of Object.entries(errors)) {
    refs[key] = {
      ...spec,
      error: (detail = spec.description, data) => new AppError(spec.status, spec.code, detail, data),
      is: (error): error is AppError => (error as { name?: string; type?: unknown })?.name === "AppError" && (error as AppError).type === spec.code,
    };
  }
  return refs as { [K in keyof E]: E[K] & ErrorRef };
}

/**
 * Errors any action may answer, whose use the gateway can tell from the action itself: a
 * validation failure (it takes input), `unauthorized` and `forbidden` (by its access),
 * `rate_limited` and `dependency_unavailable`. `notFound` is listed by the actions that answer it.
 */
export const CommonErrors = defineErrors({
  validationFailed: { status: 400, code: "validation_failed", description: "The request is not valid; `errors` names each field." },
  unauthorized: { status: 401, code: "unauthorized", description: "A valid access token is required." },
  forbidden: { status: 403, code: "forbidden", description: "The caller's roles do not allow this." },
  notFound: { status: 404, code: "not_found", description: "No such resource, or not one the caller may see." },
  rateLimited: { status: 429, code: "rate_limited", description: "Too many requests; `Retry-After` says when to try again." },
  dependencyUnavailable: { status: 503, code: "dependency_unavailable", description: "A module this request needs is unavailable; try again shortly." },
});

export const validationFailed = (errors: FieldError[], detail = "The request is not valid.") => CommonErrors.validationFailed.error(detail, { errors });
export const unauthorized = (detail = "A valid access token is required.") => CommonErrors.unauthorized.error(detail);
export const forbidden = (detail = "You are not allowed to do this.") => CommonErrors.forbidden.error(detail);
export const notFound = (detail = "Not found.") => CommonErrors.notFound.error(detail);
export const rateLimited = (retryAfterS: number, detail = "Too many requests; try again later.") => CommonErrors.rateLimited.error(detail, { retryAfterS });
export const dependencyUnavailable = (detail = "A service this request needs is unavailable; try again shortly.") => CommonErrors.dependencyUnavailable.error(detail);

/** The status and code to answer for any error a broker call may throw. */
export function describeError(error: unknown): { status: number; code: string; detail: string; data?: ProblemData } {
  const err = error as { name?: string; code?: unknown; type?: unknown; message?: string; data?: unknown };
  if (err?.name === "AppError" && typeof err.code === "number" && typeof err.type === "string") {
    return { status: err.code, code: err.type, detail: err.message ?? "", data: err.data as ProblemData | undefined };
  }
  if (isTransportFailure(error)) return { status: 503, code: "dependency_unavailable", detail: dependencyUnavailable().message };
  return { status: 500, code: "internal_error", detail: "An unexpected error occurred." };
}

/**
 * Moleculer's own transport failures: the callee is absent, slow or shedding load. Only these say
 * something about the callee's health; whatever its handler throws is about the call.
 */
export function isTransportFailure(error: unknown): boolean {
  const err = error as { name?: string };
  return (
    err instanceof Errors.ServiceNotFoundError ||
    err instanceof Errors.ServiceNotAvailableError ||
    err instanceof Errors.RequestTimeoutError ||
    err instanceof Errors.RequestRejectedError ||
    err instanceof Errors.QueueIsFullError ||
    err instanceof Errors.BrokerDisconnectedError ||
    ["ServiceNotFoundError", "ServiceNotAvailableError", "RequestTimeoutError", "RequestRejectedError"].includes(err?.name ?? "")
  );
}
