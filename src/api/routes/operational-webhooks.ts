import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Context } from "../../domain/context.ts";
import {
  createEndpoint,
  deleteEndpoint,
  endpointSecret,
  requireEndpoint,
  rotateEndpointSecret,
  saveEndpoint,
  visibleHeaders,
} from "../../domain/endpoints.ts";
import { operationalApplication } from "../../domain/operational-events.ts";
import type { EndpointRow } from "../../store/types.ts";
import { requireAdmin } from "../access.ts";
import { toListResponse, toPageQuery } from "../pagination.ts";
import {
  endpointHeadersIn,
  endpointIdPath,
  operationalEndpointIn,
  operationalEndpointUpsertIn,
  pageQuery,
  secretRotateIn,
} from "../schemas.ts";
import { parseInput } from "../validation.ts";
import { toEndpointInput } from "./endpoints.ts";

type EndpointParams = { endpoint_id: string };

/** Svix's OperationalWebhookEndpointOut (with both spellings of the event-type filter, as for endpoints). */
function operationalEndpointOut(row: EndpointRow) {
  return {
    id: row.id,
    uid: row.uid,
    url: row.url,
    description: row.description,
    disabled: row.disabled,
    eventTypes: row.eventTypes,
    filterTypes: row.eventTypes,
    metadata: row.metadata,
    throttleRate: row.throttleRate,
    rateLimit: row.throttleRate,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

/** The operator's operational-webhook endpoints: signed, retried and logged like any endpoint. */
export function registerOperationalWebhookRoutes(app: FastifyInstance, ctx: Context): void {
  const base = "/api/v1/operational-webhook/endpoint";
  const one = `${base}/:endpoint_id`;

  async function load(request: FastifyRequest<{ Params: EndpointParams }>) {
    requireAdmin(request);
    const application = await operationalApplication(ctx);
    return { application, endpoint: await requireEndpoint(ctx, application.id, request.params.endpoint_id) };
  }

  app.get(base, async (request) => {
    requireAdmin(request);
    const application = await operationalApplication(ctx);
    const query = toPageQuery(parseInput(pageQuery, request.query, "query"), "asc");
    const page = await ctx.store.listEndpoints(application.id, query);
    return toListResponse(page, query, (row) => row.id, operationalEndpointOut);
  });

  app.post(base, async (request, reply) => {
    requireAdmin(request);
    const application = await operationalApplication(ctx);
    const body = toEndpointInput(parseInput(operationalEndpointIn, request.body, "body"));
    return reply.code(201).send(operationalEndpointOut(await createEndpoint(ctx, application, body)));
  });

  app.get<{ Params: EndpointParams }>(one, async (request) =>
    operationalEndpointOut((await load(request)).endpoint),
  );

  app.put<{ Params: EndpointParams }>(one, async (request, reply) => {
    requireAdmin(request);
    const application = await operationalApplication(ctx);
    const body = toEndpointInput(parseInput(operationalEndpointUpsertIn, request.body, "body"));
    const existing = await ctx.store.getEndpoint(application.id, request.params.endpoint_id);
    if (!existing) {
      if (!body.uid) parseInput(endpointIdPath, request.params, "path");
      const created = await createEndpoint(ctx, application, {
        ...body,
        uid: body.uid ?? request.params.endpoint_id,
      });
      return reply.code(201).send(operationalEndpointOut(created));
    }
    return operationalEndpointOut(await saveEndpoint(ctx, application, existing, body));
  });

  app.delete<{ Params: EndpointParams }>(one, async (request, reply) => {
    const { application, endpoint } = await load(request);
    await deleteEndpoint(ctx, application, endpoint);
    return reply.code(204).send();
  });

  app.get<{ Params: EndpointParams }>(`${one}/secret`, async (request) => ({
    key: endpointSecret(ctx, (await load(request)).endpoint),
  }));

  app.post<{ Params: EndpointParams }>(`${one}/secret/rotate`, async (request, reply) => {
    const { endpoint } = await load(request);
    const body = parseInput(secretRotateIn, request.body ?? {}, "body");
    await rotateEndpointSecret(ctx, endpoint, body.key, body.gracePeriodSeconds);
    return reply.code(204).send();
  });

  app.get<{ Params: EndpointParams }>(`${one}/headers`, async (request) => {
    return visibleHeaders((await load(request)).endpoint);
  });

  app.put<{ Params: EndpointParams }>(`${one}/headers`, async (request, reply) => {
    const { application, endpoint } = await load(request);
    const { headers, sensitive } = parseInput(endpointHeadersIn, request.body, "body");
    await saveEndpoint(ctx, application, endpoint, { headers, sensitiveHeaders: sensitive ?? [] });
    return reply.code(204).send();
  });
}
