import { STATUS_CODES } from "node:http";
import Fastify, { type FastifyBaseLogger, type FastifyReply, LogController } from "fastify";
import type { ImportRunner } from "../directory/csv-import.ts";
import type { Context } from "../domain/context.ts";
import { UnauthorizedError } from "../domain/errors.ts";
import { authenticate } from "../domain/tokens.ts";
import { registerIdempotency } from "./idempotency.ts";
import { parseJsonBody } from "./json-body.ts";
import { buildOpenApi } from "./openapi.ts";
import { sendProblem } from "./problem.ts";
import { registerApplicationRoutes } from "./routes/applications.ts";
import { registerAttemptRoutes } from "./routes/attempts.ts";
import { registerAuthRoutes } from "./routes/auth.ts";
import { registerDirectoryRoutes } from "./routes/directory.ts";
import { registerEndpointRoutes } from "./routes/endpoints.ts";
import { registerEventTypeRoutes } from "./routes/event-types.ts";
import { registerImportAndDistributionRoutes } from "./routes/imports-distributions.ts";
import { registerMessageRoutes } from "./routes/messages.ts";
import { registerRequestPreviewRoutes } from "./routes/request-preview.ts";
import { registerSessionRoutes, SESSION_PATH, SIGN_IN_PATH, SIGN_OUT_PATH } from "./routes/session.ts";
import { registerUnsubscribeRoutes } from "./routes/unsubscribe-page.ts";
import { sessionPrincipal } from "./session-cookie.ts";
import { registerWebAssets } from "./web-assets.ts";

const PUBLIC_PATHS = new Set([
  "/api/v1/health",
  "/api/v1/health/ping",
  "/api/v1/openapi.json",
  SIGN_IN_PATH,
  SIGN_OUT_PATH,
  SESSION_PATH,
]);

export function buildApi(ctx: Context, imports: ImportRunner, version: string) {
  const app = Fastify({
    loggerInstance: ctx.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: ctx.config.maxMessageBytes,
    routerOptions: { maxParamLength: 512 },
    genReqId: () => crypto.randomUUID(),
    // Malformed HTTP or oversized headers never reach a route: answer in our error shape and close.
    clientErrorHandler: (error, socket) => {
      if (!socket.writable) return socket.destroy();
      const code = (error as NodeJS.ErrnoException).code;
      const status = code === "HPE_HEADER_OVERFLOW" ? 431 : code === "HPE_URI_TOO_LONG" ? 414 : 400;
      const body = JSON.stringify({
        code: status === 400 ? "invalid_request" : "request_too_large",
        detail: status === 400 ? "Malformed HTTP request" : "Request line or headers are too large",
      });
      socket.end(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    },
    // Errors the router raises before any route runs (bad percent-encoding, over-long ids) in our error shape.
    frameworkErrors: (error, _request, reply) => {
      const status = typeof error.statusCode === "number" ? error.statusCode : 400;
      const detail =
        error.code === "FST_ERR_MAX_PARAM_LENGTH" ? "A path parameter is too long" : "The URL is malformed";
      (reply as FastifyReply).code(status).send({ code: "invalid_request", detail });
    },
  });

  app.addHook("onRequest", async (request) => {
    const path = request.url.split("?")[0] ?? "";
    if (!path.startsWith("/api/") || PUBLIC_PATHS.has(path)) return;
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(.+)$/i.exec(header) : null;
    const principal = match?.[1]
      ? await authenticate(ctx, match[1].trim())
      : await sessionPrincipal(ctx, request);
    if (principal) request.principal = principal;
  });
  app.addHook("preValidation", async (request) => {
    const path = request.url.split("?")[0] ?? "";
    if (path.startsWith("/api/") && !PUBLIC_PATHS.has(path) && !request.principal) {
      throw new UnauthorizedError("Missing or invalid bearer token");
    }
  });
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  registerIdempotency(app, ctx);

  app.setErrorHandler((error, request, reply) => sendProblem(error, request, reply));
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send({ code: "not_found", detail: `No route for ${request.method} ${request.url.split("?")[0]}` }),
  );

  let openapi: Record<string, unknown> | undefined;
  app.get("/api/v1/openapi.json", async () => {
    openapi ??= buildOpenApi(version);
    return openapi;
  });
  registerAuthRoutes(app, ctx);
  registerApplicationRoutes(app, ctx);
  registerEventTypeRoutes(app, ctx);
  registerEndpointRoutes(app, ctx);
  registerMessageRoutes(app, ctx);
  registerAttemptRoutes(app, ctx);
  registerDirectoryRoutes(app, ctx);
  registerImportAndDistributionRoutes(app, ctx, imports);
  registerUnsubscribeRoutes(app, ctx);
  registerRequestPreviewRoutes(app, ctx, `Outbound/${version}`);
  registerSessionRoutes(app, ctx);
  registerWebAssets(app, ctx.config);
  return app;
}
