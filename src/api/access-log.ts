import type { FastifyInstance } from "fastify";
import type { Context } from "../domain/context.ts";

/**
 * One line per request: method, the matched route (never the raw URL, which can carry tokens in query strings),
 * status, time, and who called — the token kind and application, never the token.
 */
export function registerAccessLog(app: FastifyInstance, ctx: Context): void {
  // Below `info` (e.g. LOG_LEVEL=warn) the hook is not installed at all: no per-request cost on the hot path.
  if (!ctx.config.accessLog || !ctx.logger.isLevelEnabled("info")) return;
  // Callback style: logging one line needs no promise per request.
  app.addHook("onResponse", (request, reply, done) => {
    const principal = request.principal;
    ctx.logger.info(
      {
        reqId: request.id,
        method: request.method,
        route: request.routeOptions.url ?? null,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
        auth: principal?.kind ?? "none",
        app: principal?.kind === "app" ? principal.appId : undefined,
      },
      "request",
    );
    done();
  });
}
