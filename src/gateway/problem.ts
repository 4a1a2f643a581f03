/** RFC 9457 problem documents: the one shape every error answer has. */
import type { FastifyReply } from "fastify";
import type { FieldError } from "../broker/errors.ts";

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

export interface Problem {
  status: number;
  code: string;
  detail: string;
  errors?: FieldError[];
  members?: Record<string, unknown>;
}

export function sendProblem(reply: FastifyReply, problem: Problem) {
  const body: Record<string, unknown> = {
    ...problem.members,
    // A URN rather than a URL: it names the problem type without pointing at a page we do not serve.
    type: `urn:bazaar:problem:${problem.code}`,
    title: TITLES[problem.status] ?? "Error",
    status: problem.status,
    detail: problem.detail,
    code: problem.code,
  };
  if (problem.errors) body.errors = problem.errors;
  // RFC 9110: a 401 names the scheme that would get the caller in.
  if (problem.status === 401) reply.header("www-authenticate", "Bearer");
  return reply.code(problem.status).type("application/problem+json").send(body);
}
