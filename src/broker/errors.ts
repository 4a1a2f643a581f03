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
}

export class AppError extends Errors.MoleculerError {
  constructor(status: number, code: string, detail: string, data?: ProblemData) {
    super(detail, status, code, data);
    this.name = "AppError";
  }
}

export const validationFailed = (errors: FieldError[], detail = "The request is not valid.") =>
  new AppError(400, "validation_failed", detail, { errors });
export const unauthorized = (detail = "A valid access token is required.") => new AppError(401, "unauthorized", detail);
export const forbidden = (detail = "You are not allowed to do this.") => new AppError(403, "forbidden", detail);
export const notFound = (detail = "Not found.") => new AppError(404, "not_found", detail);
export const conflict = (code: string, detail: string) => new AppError(409, code, detail);
export const rateLimited = (retryAfterS: number, detail = "Too many requests; try again later.") =>
  new AppError(429, "rate_limited", detail, { retryAfterS });
export const dependencyUnavailable = (detail = "A service this request needs is unavailable; try again shortly.") =>
  new AppError(503, "dependency_unavailable", detail);

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
