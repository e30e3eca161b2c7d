import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import {
  asConflict,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  TooManyRequestsError,
  UnauthorizedError,
  ValidationError,
} from "../domain/errors.ts";

/** An error's answer: status, the headers it adds, and the JSON body. */
export interface Problem {
  statusCode: number;
  headers?: Record<string, string>;
  body: unknown;
}

/**
 * The answer to a client's error (4xx), or null for an error of ours (500) and for Fastify's 415, whose text
 * depends on the route. Shared by the error handler and the early `POST /msg` path (message-route-early.ts).
 */
export function problemFor(thrown: unknown): Problem | null {
  const error = asConflict(thrown);
  if (error instanceof ValidationError) return { statusCode: 422, body: { detail: error.issues } };
  if (error instanceof NotFoundError)
    return { statusCode: 404, body: { code: "not_found", detail: error.message } };
  if (error instanceof ConflictError)
    return { statusCode: 409, body: { code: error.code, detail: error.message } };
  if (error instanceof UnauthorizedError) {
    return { statusCode: 401, body: { code: "authentication_failed", detail: error.message } };
  }
  if (error instanceof ForbiddenError)
    return { statusCode: 403, body: { code: "forbidden", detail: error.message } };
  if (error instanceof PayloadTooLargeError) {
    // The rest of the body is never read: the connection cannot carry another request.
    return {
      statusCode: 413,
      headers: { connection: "close" },
      body: { code: "payload_too_large", detail: error.message },
    };
  }
  if (error instanceof TooManyRequestsError) {
    return {
      statusCode: 429,
      headers: { "retry-after": String(error.retryAfterSeconds) },
      body: { code: "rate_limited", detail: error.message },
    };
  }
  const fastifyError = error as FastifyError;
  if (
    typeof fastifyError.statusCode === "number" &&
    fastifyError.statusCode >= 400 &&
    fastifyError.statusCode < 500 &&
    fastifyError.statusCode !== 415
  ) {
    // Malformed JSON, body too large…: the client's fault, said plainly.
    const code = fastifyError.statusCode === 413 ? "payload_too_large" : "invalid_request";
    return { statusCode: fastifyError.statusCode, body: { code, detail: fastifyError.message } };
  }
  return null;
}

/** The answer to an error of ours; the request id lets an operator find the logged error. */
export function internalErrorBody(requestId: string): unknown {
  return { code: "internal_error", detail: `Internal error (request id ${requestId})` };
}

/** The one place errors become HTTP responses: Svix's HttpErrorOut `{code, detail}` or HTTPValidationError. */
export function sendProblem(thrown: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const problem = problemFor(thrown);
  if (problem) {
    reply.code(problem.statusCode);
    if (problem.headers) reply.headers(problem.headers);
    return reply.send(problem.body);
  }
  const error = asConflict(thrown);
  if ((error as FastifyError).statusCode === 415) {
    const sent = request.headers["content-type"] ?? "none";
    return reply.code(415).send({
      code: "invalid_request",
      detail: `Content type ${sent} is not accepted here; send ${acceptedContentTypes(request).join(" or ")}`,
    });
  }
  request.log.error({ err: error, reqId: request.id }, "unhandled error");
  return reply.code(500).send(internalErrorBody(request.id));
}

/** What a route takes its body as: a route that takes something else than JSON lists it in `config.accepts`. */
export function acceptedContentTypes(request: FastifyRequest): string[] {
  const config = request.routeOptions.config as { accepts?: string[] } | undefined;
  return config?.accepts ?? ["application/json"];
}
