import type { FastifyInstance } from "fastify";
import { findApplication } from "../../domain/applications.ts";
import { createBackgroundTask } from "../../domain/background-tasks.ts";
import type { Context } from "../../domain/context.ts";
import { ValidationError } from "../../domain/errors.ts";
import {
  applicationsWithEndpoints,
  applicationUsage,
  byEventType,
  PERIODS,
  perPeriod,
} from "../../domain/statistics.ts";
import { authorizedApp, requireAdmin } from "../access.ts";
import {
  appAttemptStatsQuery,
  appUsageStatsIn,
  attemptStatisticsQuery,
  emptyBody,
  noQuery,
} from "../schemas.ts";
import { backgroundTaskOut } from "../serialize.ts";
import { parseInput } from "../validation.ts";

type AppParams = { app_id: string };

const DEFAULT_RANGE_MS = 28 * PERIODS.OneDay;
const iso = (ms: number) => new Date(ms).toISOString();

function checkRange(since: number, until: number, loc: string): void {
  if (until <= since) throw ValidationError.field(["query", loc], "must be after the start of the range");
}

/**
 * Svix's statistics. Outbound counts deliveries (message × endpoint) by their current outcome (success, fail,
 * canceled), in the time range of their messages' creation.
 */
export function registerStatisticsRoutes(app: FastifyInstance, ctx: Context): void {
  app.get<{ Params: AppParams }>("/api/v1/app/:app_id/stats/attempts", async (request) => {
    const application = await authorizedApp(ctx, request, request.params.app_id);
    const query = parseInput(appAttemptStatsQuery, request.query, "query");
    checkRange(query.since, query.until, "until");
    const rows = await ctx.store.countDeliveries({
      appId: application.id,
      since: query.since,
      until: query.until,
      eventTypes: query.event_types,
      bucketMs: null,
    });
    const { total, byType } = byEventType(rows);
    return {
      by_event_type: byType,
      total_success: total.success,
      total_failure: total.failure,
      total_canceled: total.canceled,
      since: iso(query.since),
      until: iso(query.until),
    };
  });

  app.get<{ Params: AppParams }>("/api/v1/stats/app/:app_id/attempt", async (request) => {
    const application = await authorizedApp(ctx, request, request.params.app_id);
    const query = parseInput(attemptStatisticsQuery, request.query, "query");
    const period = query.period ?? "OneDay";
    const until = query.endDate ?? ctx.now();
    const since = query.startDate ?? until - DEFAULT_RANGE_MS;
    checkRange(since, until, "endDate");
    const rows = await ctx.store.countDeliveries({
      appId: application.id,
      since,
      until,
      eventTypes: query.event_types,
      bucketMs: PERIODS[period],
    });
    return {
      startDate: iso(since),
      endDate: iso(until),
      period,
      data: perPeriod(rows, since, until, period),
    };
  });

  app.post("/api/v1/stats/usage/app", async (request, reply) => {
    requireAdmin(request);
    const body = parseInput(appUsageStatsIn, request.body, "body");
    checkRange(body.since, body.until, "until");
    let appIds: string[] | null = null;
    const unresolved: string[] = [];
    if (body.appIds && body.appIds.length > 0) {
      appIds = [];
      for (const idOrUid of body.appIds) {
        const found = await findApplication(ctx, idOrUid);
        if (found) appIds.push(found.id);
        else unresolved.push(idOrUid);
      }
      if (appIds.length === 0)
        throw ValidationError.field(["body", "appIds"], "none of the applications exist");
    }
    const appStats = await applicationUsage(ctx, appIds, body.since, body.until);
    const task = await createBackgroundTask(
      ctx,
      "application.stats",
      { appId: null, endpointId: null },
      { since: body.since, until: body.until },
      { status: "finished", data: { appStats } },
    );
    return reply.code(202).send({ ...backgroundTaskOut(task), unresolvedAppIds: unresolved });
  });

  app.put("/api/v1/stats/usage/event-types", async (request, reply) => {
    requireAdmin(request);
    parseInput(emptyBody, request.body ?? {}, "body");
    const eventTypes = [];
    for await (const { app: application, endpoints } of applicationsWithEndpoints(ctx)) {
      const explicit = new Set(endpoints.flatMap((endpoint) => endpoint.eventTypes ?? []));
      eventTypes.push({
        appId: application.id,
        explicitlySubscribedEventTypes: [...explicit].sort(),
        hasCatchAllEndpoint: endpoints.some((endpoint) => endpoint.eventTypes === null),
      });
    }
    const task = await createBackgroundTask(
      ctx,
      "event-type.aggregate",
      { appId: null, endpointId: null },
      {},
      { status: "finished", data: { event_types: eventTypes } },
    );
    return reply.code(202).send(backgroundTaskOut(task));
  });

  app.get("/api/v1/stats/endpoint/count", async (request) => {
    requireAdmin(request);
    parseInput(noQuery, request.query, "query");
    let active = 0;
    let disabled = 0;
    for await (const { endpoints } of applicationsWithEndpoints(ctx)) {
      for (const endpoint of endpoints) endpoint.disabled ? disabled++ : active++;
    }
    return { active, disabled };
  });

  app.get("/api/v1/app/stats/count-active", async (request) => {
    requireAdmin(request);
    parseInput(noQuery, request.query, "query");
    let count = 0;
    for await (const { endpoints } of applicationsWithEndpoints(ctx)) {
      if (endpoints.some((endpoint) => !endpoint.disabled)) count++;
    }
    return { count };
  });
}
