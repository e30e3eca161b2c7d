import type { FastifyInstance } from "fastify";
import { circuitState } from "../../delivery/circuit-breaker.ts";
import type { Context } from "../../domain/context.ts";
import {
  createEndpoint,
  deleteEndpoint,
  type EndpointInput,
  endpointSecret,
  patchEndpointHeaders,
  requireEndpoint,
  rotateEndpointSecret,
  saveEndpoint,
  visibleHeaders,
} from "../../domain/endpoints.ts";
import { examplePayload } from "../../domain/event-types.ts";
import { createMessageForEndpoint } from "../../domain/messages.ts";
import { authorizedApp } from "../access.ts";
import { toListResponse, toPageQuery } from "../pagination.ts";
import {
  cancelMessagesIn,
  endpointHeadersIn,
  endpointHeadersPatchIn,
  endpointIdPath,
  endpointIn,
  endpointMessagesQuery,
  endpointPatch,
  endpointUpdate,
  eventExampleIn,
  pageQuery,
  secretRotateIn,
  statsQuery,
} from "../schemas.ts";
import { endpointMessageOut, endpointOut, messageOut } from "../serialize.ts";
import { parseInput } from "../validation.ts";

type AppParams = { app_id: string };
type EndpointParams = { app_id: string; endpoint_id: string };

/** Folds Svix's aliases (filterTypes, rateLimit) into the canonical fields. */
export function toEndpointInput<
  T extends { filterTypes?: string[] | null; rateLimit?: number | null; version?: number },
>(
  body: T,
): Omit<T, "filterTypes" | "rateLimit" | "version"> & Pick<EndpointInput, "eventTypes" | "throttleRate"> {
  const { filterTypes, rateLimit, version: _version, ...rest } = body;
  const input = rest as Omit<T, "filterTypes" | "rateLimit" | "version"> & Partial<EndpointInput>;
  return {
    ...input,
    eventTypes: input.eventTypes !== undefined ? input.eventTypes : filterTypes,
    throttleRate: input.throttleRate !== undefined ? input.throttleRate : rateLimit,
  };
}

export function registerEndpointRoutes(app: FastifyInstance, ctx: Context): void {
  const base = "/api/v1/app/:app_id/endpoint";
  const one = `${base}/:endpoint_id`;

  async function load(request: Parameters<typeof authorizedApp>[1] & { params: EndpointParams }) {
    const application = await authorizedApp(ctx, request, request.params.app_id);
    return { application, endpoint: await requireEndpoint(ctx, application.id, request.params.endpoint_id) };
  }

  app.get<{ Params: AppParams }>(base, async (request) => {
    const application = await authorizedApp(ctx, request, request.params.app_id);
    const query = toPageQuery(parseInput(pageQuery, request.query, "query"), "asc");
    const page = await ctx.store.listEndpoints(application.id, query);
    return toListResponse(
      page,
      query,
      (row) => row.id,
      (row) => endpointOut(row, ctx.secrets),
    );
  });

  app.post<{ Params: AppParams }>(base, async (request, reply) => {
    const application = await authorizedApp(ctx, request, request.params.app_id);
    const body = toEndpointInput(parseInput(endpointIn, request.body, "body"));
    return reply.code(201).send(endpointOut(await createEndpoint(ctx, application, body), ctx.secrets));
  });

  app.get<{ Params: EndpointParams }>(one, async (request) =>
    endpointOut((await load(request)).endpoint, ctx.secrets),
  );

  app.put<{ Params: EndpointParams }>(one, async (request, reply) => {
    const application = await authorizedApp(ctx, request, request.params.app_id);
    const body = toEndpointInput(parseInput(endpointUpdate, request.body, "body"));
    const existing = await ctx.store.getEndpoint(application.id, request.params.endpoint_id);
    if (!existing) {
      if (!body.uid) parseInput(endpointIdPath, request.params, "path");
      const created = await createEndpoint(ctx, application, {
        ...body,
        uid: body.uid ?? request.params.endpoint_id,
      });
      return reply.code(201).send(endpointOut(created, ctx.secrets));
    }
    return endpointOut(await saveEndpoint(ctx, application, existing, body), ctx.secrets);
  });

  app.patch<{ Params: EndpointParams }>(one, async (request) => {
    const { application, endpoint } = await load(request);
    const body = toEndpointInput(parseInput(endpointPatch, request.body ?? {}, "body"));
    return endpointOut(await saveEndpoint(ctx, application, endpoint, body), ctx.secrets);
  });

  app.delete<{ Params: EndpointParams }>(one, async (request, reply) => {
    const { application, endpoint } = await load(request);
    await deleteEndpoint(ctx, application, endpoint);
    return reply.code(204).send();
  });

  app.get<{ Params: EndpointParams }>(`${one}/headers`, async (request) => {
    const { endpoint } = await load(request);
    return visibleHeaders(endpoint);
  });

  app.put<{ Params: EndpointParams }>(`${one}/headers`, async (request, reply) => {
    const { application, endpoint } = await load(request);
    const { headers, sensitive } = parseInput(endpointHeadersIn, request.body, "body");
    await saveEndpoint(ctx, application, endpoint, { headers, sensitiveHeaders: sensitive ?? [] });
    return reply.code(204).send();
  });

  app.patch<{ Params: EndpointParams }>(`${one}/headers`, async (request, reply) => {
    const { endpoint } = await load(request);
    const {
      headers,
      sensitive,
      deleteHeaders = [],
    } = parseInput(endpointHeadersPatchIn, request.body, "body");
    const removals = Object.fromEntries(deleteHeaders.map((name) => [name, null]));
    await patchEndpointHeaders(ctx, endpoint, { ...headers, ...removals }, sensitive ?? []);
    return reply.code(204).send();
  });

  app.get<{ Params: EndpointParams }>(`${one}/secret`, async (request) => {
    const { endpoint } = await load(request);
    return { key: endpointSecret(ctx, endpoint) };
  });

  app.post<{ Params: EndpointParams }>(`${one}/secret/rotate`, async (request, reply) => {
    const { endpoint } = await load(request);
    const body = parseInput(secretRotateIn, request.body ?? {}, "body");
    await rotateEndpointSecret(ctx, endpoint, body.key, body.gracePeriodSeconds);
    return reply.code(204).send();
  });

  app.get<{ Params: EndpointParams }>(`${one}/stats`, async (request) => {
    const { endpoint } = await load(request);
    const query = parseInput(statsQuery, request.query, "query");
    const stats = await ctx.store.endpointStats(endpoint.id, query.since ?? null, query.until ?? null);
    const { consecutiveFailures, circuitOpenUntil } = endpoint.health;
    return {
      ...stats,
      // Outbound extension: the circuit breaker as the worker sees it.
      circuit: {
        state: circuitState(consecutiveFailures, circuitOpenUntil, ctx.now()),
        consecutiveFailures,
        openUntil: circuitOpenUntil === null ? null : new Date(circuitOpenUntil).toISOString(),
      },
    };
  });

  app.post<{ Params: EndpointParams }>(`${one}/cancel-msgs`, async (request, reply) => {
    const { endpoint } = await load(request);
    const { createdBefore } = parseInput(cancelMessagesIn, request.body, "body");
    // Deliveries in flight finish; pending ones become canceled (status 4) and are never attempted.
    await ctx.store.cancelPendingDeliveries(endpoint.id, createdBefore, ctx.now());
    return reply.code(204).send();
  });

  app.post<{ Params: EndpointParams }>(`${one}/send-example`, async (request) => {
    const { application, endpoint } = await load(request);
    const { eventType, exampleIndex } = parseInput(eventExampleIn, request.body, "body");
    const payload = await examplePayload(ctx, eventType, exampleIndex ?? 0);
    return messageOut(await createMessageForEndpoint(ctx, application, endpoint, { eventType, payload }));
  });

  app.get<{ Params: EndpointParams }>(`${one}/msg`, async (request) => {
    const { application, endpoint } = await load(request);
    const query = parseInput(endpointMessagesQuery, request.query, "query");
    const page = toPageQuery(query, "desc");
    const rows = await ctx.store.listEndpointMessages(
      application.id,
      endpoint.id,
      {
        eventTypes: query.event_types,
        channel: query.channel,
        tag: query.tag,
        before: query.before,
        after: query.after,
        status: query.status,
      },
      page,
    );
    return toListResponse(
      rows,
      page,
      (row) => row.message.id,
      (row) => endpointMessageOut(row.delivery, endpoint, row.message, query.with_content ?? true),
    );
  });
}
