import { STATUS_CODES } from "node:http";
import Fastify, { type FastifyBaseLogger, type FastifyReply, LogController } from "fastify";
import type { ImportRunner } from "../directory/csv-import.ts";
import type { TaskRunner } from "../domain/background-tasks.ts";
import type { Context } from "../domain/context.ts";
import { registerAccessControl } from "./access.ts";
import { registerAccessLog } from "./access-log.ts";
import { registerIdempotency } from "./idempotency.ts";
import { parseJsonRequestBody } from "./json-body.ts";
import { serveMessageCreateEarly } from "./message-route-early.ts";
import { buildOpenApi } from "./openapi.ts";
import { sendProblem } from "./problem.ts";
import { registerQueryGuard } from "./query-guard.ts";
import { lazyRequestLogger } from "./request-logger.ts";
import { registerApiReferenceRoutes } from "./routes/api-reference.ts";
import { registerApplicationRoutes } from "./routes/applications.ts";
import { registerAttemptRoutes } from "./routes/attempts.ts";
import { registerAuthRoutes } from "./routes/auth.ts";
import { registerBackgroundTaskRoutes } from "./routes/background-tasks.ts";
import { registerDirectoryRoutes } from "./routes/directory.ts";
import { registerEndpointRoutes } from "./routes/endpoints.ts";
import { registerEventTypeRoutes } from "./routes/event-types.ts";
import { registerHealthRoutes } from "./routes/health.ts";
import { registerImportAndDistributionRoutes } from "./routes/imports-distributions.ts";
import { registerMessageRoutes } from "./routes/messages.ts";
import { registerMetricsRoutes } from "./routes/metrics.ts";
import { registerOperationalWebhookRoutes } from "./routes/operational-webhooks.ts";
import { registerRelayRoutes } from "./routes/relay.ts";
import { registerRequestPreviewRoutes } from "./routes/request-preview.ts";
import { registerSessionRoutes } from "./routes/session.ts";
import { registerStatisticsRoutes } from "./routes/statistics.ts";
import { registerTransformationRoutes } from "./routes/transformations.ts";
import { registerUnsubscribeRoutes } from "./routes/unsubscribe-page.ts";
import { registerTracingHooks } from "./tracing-hooks.ts";
import { registerWebAssets } from "./web-assets.ts";

const newRequestId = () => crypto.randomUUID();

export interface ApiOptions {
  /** `false` leaves `POST /msg` to Fastify alone (tests compare both paths). */
  earlyMessageCreate?: boolean;
}

export function buildApi(
  ctx: Context,
  imports: ImportRunner,
  version: string,
  tasks: TaskRunner,
  options: ApiOptions = {},
) {
  const app = Fastify({
    loggerInstance: ctx.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: ctx.config.maxMessageBytes,
    // Slow clients (slowloris, trickled bodies) are cut off with a 408 instead of holding a connection; Node checks
    // these deadlines every `connectionsCheckingInterval`, so it is kept well below them.
    requestTimeout: ctx.config.requestReadTimeoutMs,
    http: {
      headersTimeout: Math.min(ctx.config.headersTimeoutMs, ctx.config.requestReadTimeoutMs),
      requestTimeout: ctx.config.requestReadTimeoutMs,
      connectionsCheckingInterval: Math.min(1_000, Math.ceil(ctx.config.headersTimeoutMs / 4)),
    },
    routerOptions: { maxParamLength: 512 },
    genReqId: newRequestId,
    childLoggerFactory: lazyRequestLogger,
    // Malformed HTTP or oversized headers never reach a route: answer in our error shape and close.
    clientErrorHandler: (error, socket) => {
      if (!socket.writable) return socket.destroy();
      const code = (error as NodeJS.ErrnoException).code;
      const status =
        code === "HPE_HEADER_OVERFLOW"
          ? 431
          : code === "HPE_URI_TOO_LONG"
            ? 414
            : code === "ERR_HTTP_REQUEST_TIMEOUT"
              ? 408
              : 400;
      const body = JSON.stringify(
        status === 408
          ? { code: "request_timeout", detail: "The request was not received in time" }
          : status === 400
            ? { code: "invalid_request", detail: "Malformed HTTP request" }
            : { code: "request_too_large", detail: "Request line or headers are too large" },
      );
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

  registerApiReferenceRoutes(app); // first: it lists every route registered after it (onRoute)
  registerAccessControl(app, ctx);
  registerAccessLog(app, ctx);
  registerMetricsRoutes(app, ctx);
  registerTracingHooks(app, ctx);
  // Fastify's text/plain parser would hand JSON routes a string (a puzzling 422); without it the answer is a 415
  // naming the accepted types.
  app.removeContentTypeParser(["application/json", "text/plain"]);
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (_request, body, done) => {
    try {
      done(null, parseJsonRequestBody(body as Buffer));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  registerIdempotency(app, ctx);
  registerQueryGuard(app);

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
  registerHealthRoutes(app, ctx, version);
  registerApplicationRoutes(app, ctx);
  registerEventTypeRoutes(app, ctx);
  registerEndpointRoutes(app, ctx);
  registerMessageRoutes(app, ctx);
  registerAttemptRoutes(app, ctx);
  registerBackgroundTaskRoutes(app, ctx, tasks);
  registerOperationalWebhookRoutes(app, ctx);
  registerStatisticsRoutes(app, ctx);
  registerTransformationRoutes(app, ctx);
  registerDirectoryRoutes(app, ctx);
  registerImportAndDistributionRoutes(app, ctx, imports);
  registerRelayRoutes(app, ctx);
  registerUnsubscribeRoutes(app, ctx);
  registerRequestPreviewRoutes(app, ctx, `Outbound/${version}`);
  registerSessionRoutes(app, ctx);
  registerWebAssets(app, ctx.config);
  if (options.earlyMessageCreate !== false) serveMessageCreateEarly(app, ctx, newRequestId);
  return app;
}
