import type { FastifyInstance } from "fastify";
import { createBackgroundTask } from "../../domain/background-tasks.ts";
import type { Context } from "../../domain/context.ts";
import { NotFoundError, ValidationError } from "../../domain/errors.ts";
import {
  allEventTypes,
  createEventType,
  deleteEventType,
  eventTypeVisible,
  importEventTypes,
  requireEventType,
  saveEventType,
  withFeatureFlags,
} from "../../domain/event-types.ts";
import { eventTypesFromOpenApi, eventTypesToOpenApi } from "../../domain/openapi-event-types.ts";
import type { Principal } from "../../domain/tokens.ts";
import type { EventTypeRow } from "../../store/types.ts";
import { principalOf, requireAdmin } from "../access.ts";
import { toListResponse, toPageQuery } from "../pagination.ts";
import {
  emptyBody,
  eventTypeDeleteQuery,
  eventTypeImportIn,
  eventTypeIn,
  eventTypeListQuery,
  eventTypePatch,
  eventTypePath,
  eventTypeUpdate,
} from "../schemas.ts";
import { backgroundTaskOut, eventTypeOut } from "../serialize.ts";
import { parseInput } from "../validation.ts";

type NameParams = { event_type_name: string };

/** Svix parses `specRaw` as YAML or JSON; Outbound reads JSON only (no YAML parser in the box). */
function parseSpecRaw(specRaw: string | null | undefined): unknown {
  if (specRaw === null || specRaw === undefined) {
    throw ValidationError.field(["body", "spec"], "either spec or specRaw is required");
  }
  try {
    return JSON.parse(specRaw);
  } catch {
    throw ValidationError.field(["body", "specRaw"], "must be a JSON document (Outbound does not read YAML)");
  }
}

/** The operator sees every event type; a portal token those its feature flags unlock. */
const tokenFeatureFlags = (principal: Principal): string[] | null =>
  principal.kind === "app" ? principal.featureFlags : null;

export function registerEventTypeRoutes(app: FastifyInstance, ctx: Context): void {
  app.get("/api/v1/event-type", async (request) => {
    const query = parseInput(eventTypeListQuery, request.query, "query");
    const page = toPageQuery(query, "asc");
    const rows = await ctx.store.listEventTypes(page, query.include_archived ?? false);
    // Iterators come from the whole page, so hidden event types never stop a client's paging.
    const list = toListResponse(
      rows,
      page,
      (row) => row.name,
      (row) => row,
    );
    const flags = tokenFeatureFlags(principalOf(request));
    return {
      ...list,
      data: list.data
        .filter((row) => eventTypeVisible(row, flags))
        .map((row) => eventTypeOut(row, query.with_content ?? true)),
    };
  });

  app.post("/api/v1/event-type", async (request, reply) => {
    requireAdmin(request);
    const { name, ...input } = withFeatureFlags(parseInput(eventTypeIn, request.body, "body"));
    return reply.code(201).send(eventTypeOut(await createEventType(ctx, name, input)));
  });

  app.post("/api/v1/event-type/import/openapi", async (request) => {
    requireAdmin(request);
    const body = parseInput(eventTypeImportIn, request.body ?? {}, "body");
    const found = eventTypesFromOpenApi(body.spec ?? parseSpecRaw(body.specRaw));
    const options = { dryRun: body.dryRun ?? false, replaceAll: body.replaceAll ?? false };
    const modified = await importEventTypes(ctx, found, options);
    return { data: { modified, to_modify: options.dryRun ? found : null } };
  });

  app.post("/api/v1/event-type/export/openapi", async (request, reply) => {
    requireAdmin(request);
    parseInput(emptyBody, request.body ?? {}, "body");
    const rows: EventTypeRow[] = [];
    for await (const row of allEventTypes(ctx)) if (!row.archived) rows.push(row);
    // Svix answers with a task whose result is a link to a zip; Outbound puts the document itself in the task.
    const task = await createBackgroundTask(
      ctx,
      "sdk.generate",
      { appId: null, endpointId: null },
      {},
      { status: "finished", data: { openapi: eventTypesToOpenApi(rows, "Webhooks") } },
    );
    return reply.code(202).send(backgroundTaskOut(task));
  });

  app.get<{ Params: NameParams }>("/api/v1/event-type/:event_type_name", async (request) => {
    const row = await requireEventType(ctx, request.params.event_type_name);
    if (!eventTypeVisible(row, tokenFeatureFlags(principalOf(request))))
      throw new NotFoundError("Event type");
    return eventTypeOut(row);
  });

  app.put<{ Params: NameParams }>("/api/v1/event-type/:event_type_name", async (request, reply) => {
    requireAdmin(request);
    const input = withFeatureFlags(parseInput(eventTypeUpdate, request.body, "body"));
    const existing = await ctx.store.getEventType(request.params.event_type_name);
    if (!existing) {
      parseInput(eventTypePath, request.params, "path");
      return reply
        .code(201)
        .send(eventTypeOut(await createEventType(ctx, request.params.event_type_name, input)));
    }
    return eventTypeOut(await saveEventType(ctx, existing, input));
  });

  app.patch<{ Params: NameParams }>("/api/v1/event-type/:event_type_name", async (request) => {
    requireAdmin(request);
    const existing = await requireEventType(ctx, request.params.event_type_name);
    return eventTypeOut(
      await saveEventType(
        ctx,
        existing,
        withFeatureFlags(parseInput(eventTypePatch, request.body ?? {}, "body")),
      ),
    );
  });

  app.delete<{ Params: NameParams }>("/api/v1/event-type/:event_type_name", async (request, reply) => {
    requireAdmin(request);
    const { expunge } = parseInput(eventTypeDeleteQuery, request.query, "query");
    await deleteEventType(ctx, request.params.event_type_name, expunge ?? false);
    return reply.code(204).send();
  });
}
