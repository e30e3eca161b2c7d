import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { Context } from "../../domain/context.ts";
import { UnauthorizedError } from "../../domain/errors.ts";
import { authenticate } from "../../domain/tokens.ts";
import { bearerToken } from "../access.ts";

const sha256 = (text: string) => createHash("sha256").update(text).digest();

/**
 * `GET /metrics` in Prometheus text format, for the operator API token or `OUTBOUND_METRICS_TOKEN` (a token that
 * can read metrics and nothing else, for the scraper's config). Outside /api, so the route checks the token
 * itself. Also counts every API response (by matched route, so label values stay bounded).
 */
export function registerMetricsRoutes(app: FastifyInstance, ctx: Context): void {
  const { telemetry } = ctx;
  const metricsToken = ctx.config.metricsToken === undefined ? null : sha256(ctx.config.metricsToken);

  // Callback style: a counter needs no promise per request.
  app.addHook("onResponse", (request, reply, done) => {
    const replayed = reply.getHeader("idempotent-replayed") === "true";
    telemetry.recordResponse(request.method, request.routeOptions.url, reply.statusCode, replayed);
    done();
  });

  app.get("/metrics", async (request, reply) => {
    const token = bearerToken(request);
    const allowed =
      token !== null &&
      ((metricsToken !== null && timingSafeEqual(sha256(token), metricsToken)) ||
        (await authenticate(ctx, token))?.kind === "admin");
    if (!allowed)
      throw new UnauthorizedError(
        "Missing or invalid bearer token (the API token or OUTBOUND_METRICS_TOKEN)",
      );
    const now = ctx.now();
    telemetry.observeStats(await ctx.store.operationalStats(now), now);
    return reply
      .header("content-type", telemetry.registry.contentType)
      .send(await telemetry.registry.metrics());
  });
}
