import type { FastifyInstance } from "fastify";
import type { Context } from "../domain/context.ts";
import type { Principal } from "../domain/tokens.ts";

/** Whether the access log is written at all. */
export function accessLogEnabled(ctx: Context): boolean {
  return ctx.config.accessLog && ctx.logger.isLevelEnabled("info");
}

/**
 * One line per request: method, the matched route (never the raw URL, which can carry tokens in query strings),
 * status, time, and who called — the token kind and application, never the token.
 */
export function logAccess(
  ctx: Context,
  reqId: string,
  method: string,
  route: string | undefined,
  status: number,
  elapsedMs: number,
  principal: Principal | undefined,
): void {
  ctx.logger.info(
    {
      reqId,
      method,
      route: route ?? null,
      status,
      ms: Math.round(elapsedMs * 10) / 10,
      auth: principal?.kind ?? "none",
      app: principal?.kind === "app" ? principal.appId : undefined,
    },
    "request",
  );
}

export function registerAccessLog(app: FastifyInstance, ctx: Context): void {
  // Below `info` (e.g. LOG_LEVEL=warn) the hook is not installed at all: no per-request cost on the hot path.
  if (!accessLogEnabled(ctx)) return;
  // Callback style: logging one line needs no promise per request.
  app.addHook("onResponse", (request, reply, done) => {
    const { id, method, routeOptions, principal } = request;
    logAccess(ctx, id, method, routeOptions.url, reply.statusCode, reply.elapsedTime, principal);
    done();
  });
}
