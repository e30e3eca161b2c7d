import type { FastifyInstance } from "fastify";
import type { Context } from "../../domain/context.ts";

/** A database that does not answer within this long counts as unreachable (a hung connection must not hang probes). */
const PING_TIMEOUT_MS = 2_000;

/** null when the database answers, else why not. */
async function databaseProblem(ctx: Context): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS);
  });
  try {
    await Promise.race([ctx.store.ping(), timeout]);
    return null;
  } catch (error) {
    return (error as Error).message;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `GET /api/v1/health` (and `/health/ping`) keep Svix's answer: 204, no body; 503 when the database cannot be
 * used, so a load balancer or orchestrator takes the instance out. `/health/details` (operator token) says why.
 */
export function registerHealthRoutes(app: FastifyInstance, ctx: Context, version: string): void {
  for (const path of ["/api/v1/health", "/api/v1/health/ping"]) {
    // Fastify answers HEAD for every GET route.
    app.get(path, async (request, reply) => {
      const problem = await databaseProblem(ctx);
      if (problem === null) return reply.code(204).send();
      request.log.error({ problem }, "health check: database unavailable");
      return reply.code(503).send({ code: "unavailable", detail: "The database is unavailable" });
    });
  }

  app.get("/api/v1/health/details", async (_request, reply) => {
    const now = ctx.now();
    const started = performance.now();
    const problem = await databaseProblem(ctx);
    const latencyMs = Math.round((performance.now() - started) * 1000) / 1000;
    const stats = problem === null ? await ctx.store.operationalStats(now).catch(() => null) : null;
    const lastOutcomeAt = ctx.telemetry.lastOutcomeAt();
    const oldest = stats?.queue.oldestDueAt ?? null;
    return reply.code(problem === null ? 200 : 503).send({
      status: problem === null ? "ok" : "unavailable",
      version,
      uptimeSeconds: Math.floor((now - ctx.telemetry.startedAt) / 1000),
      database: {
        kind: ctx.config.database.kind,
        reachable: problem === null,
        latencyMs,
        ...(problem === null ? {} : { error: problem }),
        sizeBytes: stats?.database.sizeBytes ?? null,
        ...(stats?.database.pool ? { pool: stats.database.pool } : {}),
      },
      worker: {
        inProcess: ctx.telemetry.workerInProcess,
        lastAttemptAt: lastOutcomeAt === null ? null : new Date(lastOutcomeAt).toISOString(),
      },
      queue: stats
        ? {
            pending: stats.queue.pending,
            sending: stats.queue.sending,
            due: stats.queue.due,
            oldestDueAgeSeconds: oldest === null ? 0 : Math.max(0, Math.floor((now - oldest) / 1000)),
          }
        : null,
      endpoints: stats?.endpoints ?? null,
    });
  });
}
