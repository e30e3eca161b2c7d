import type { FastifyInstance } from "fastify";
import type { Context } from "../../domain/context.ts";
import {
  createEventType,
  deleteEventType,
  requireEventType,
  saveEventType,
} from "../../domain/event-types.ts";
import { requireAdmin } from "../access.ts";
import { toListResponse, toPageQuery } from "../pagination.ts";
import {
  eventTypeDeleteQuery,
  eventTypeIn,
  eventTypeListQuery,
  eventTypePatch,
  eventTypePath,
  eventTypeUpdate,
} from "../schemas.ts";
import { eventTypeOut } from "../serialize.ts";
import { parseInput } from "../validation.ts";

type NameParams = { event_type_name: string };

export function registerEventTypeRoutes(app: FastifyInstance, ctx: Context): void {
  app.get("/api/v1/event-type", async (request) => {
    const query = parseInput(eventTypeListQuery, request.query, "query");
    const page = toPageQuery(query, "asc");
    const rows = await ctx.store.listEventTypes(page, query.include_archived ?? false);
    return toListResponse(
      rows,
      page,
      (row) => row.name,
      (row) => eventTypeOut(row, query.with_content ?? true),
    );
  });

  app.post("/api/v1/event-type", async (request, reply) => {
    requireAdmin(request);
    const { name, ...input } = parseInput(eventTypeIn, request.body, "body");
    return reply.code(201).send(eventTypeOut(await createEventType(ctx, name, input)));
  });

  app.get<{ Params: NameParams }>("/api/v1/event-type/:event_type_name", async (request) =>
    eventTypeOut(await requireEventType(ctx, request.params.event_type_name)),
  );

  app.put<{ Params: NameParams }>("/api/v1/event-type/:event_type_name", async (request, reply) => {
    requireAdmin(request);
    const input = parseInput(eventTypeUpdate, request.body, "body");
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
      await saveEventType(ctx, existing, parseInput(eventTypePatch, request.body ?? {}, "body")),
    );
  });

  app.delete<{ Params: NameParams }>("/api/v1/event-type/:event_type_name", async (request, reply) => {
    requireAdmin(request);
    const { expunge } = parseInput(eventTypeDeleteQuery, request.query, "query");
    await deleteEventType(ctx, request.params.event_type_name, expunge ?? false);
    return reply.code(204).send();
  });
}
