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

/** The one place errors become HTTP responses: Svix's HttpErrorOut `{code, detail}` or HTTPValidationError. */
export function sendProblem(thrown: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const error = asConflict(thrown);
  if (error instanceof ValidationError) return reply.code(422).send({ detail: error.issues });
  if (error instanceof NotFoundError)
    return reply.code(404).send({ code: "not_found", detail: error.message });
  if (error instanceof ConflictError)
    return reply.code(409).send({ code: error.code, detail: error.message });
  if (error instanceof UnauthorizedError) {
    return reply.code(401).send({ code: "authentication_failed", detail: error.message });
  }
  if (error instanceof ForbiddenError)
    return reply.code(403).send({ code: "forbidden", detail: error.message });
  if (error instanceof PayloadTooLargeError) {
    // The rest of the body is never read: the connection cannot carry another request.
    return reply
      .code(413)
      .header("connection", "close")
      .send({ code: "payload_too_large", detail: error.message });
  }
  if (error instanceof TooManyRequestsError) {
    return reply
      .code(429)
      .header("retry-after", String(error.retryAfterSeconds))
      .send({ code: "rate_limited", detail: error.message });
  }
  const fastifyError = error as FastifyError;
  if (
    typeof fastifyError.statusCode === "number" &&
    fastifyError.statusCode >= 400 &&
    fastifyError.statusCode < 500
  ) {
    if (fastifyError.statusCode === 415) {
      const sent = request.headers["content-type"] ?? "none";
      return reply.code(415).send({
        code: "invalid_request",
        detail: `Content type ${sent} is not accepted here; send ${acceptedContentTypes(request).join(" or ")}`,
      });
    }
    // Malformed JSON, body too large…: the client's fault, said plainly.
    const code = fastifyError.statusCode === 413 ? "payload_too_large" : "invalid_request";
    return reply.code(fastifyError.statusCode).send({ code, detail: fastifyError.message });
  }
  request.log.error({ err: error, reqId: request.id }, "unhandled error");
  return reply
    .code(500)
    .send({ code: "internal_error", detail: `Internal error (request id ${request.id})` });
}

/** What a route takes its body as: a route that takes something else than JSON lists it in `config.accepts`. */
export function acceptedContentTypes(request: FastifyRequest): string[] {
  const config = request.routeOptions.config as { accepts?: string[] } | undefined;
  return config?.accepts ?? ["application/json"];
}
