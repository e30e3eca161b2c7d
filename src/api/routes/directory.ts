import type { FastifyInstance } from "fastify";
import {
  createAttribute,
  deleteAttribute,
  findAttribute,
  listAttributes,
  requireAttribute,
  updateAttribute,
} from "../../directory/attributes.ts";
import {
  createParticipant,
  participantOut,
  requireParticipant,
  unsubscribeParticipant,
  updateParticipant,
} from "../../directory/participants.ts";
import type { Context } from "../../domain/context.ts";
import { NotFoundError } from "../../domain/errors.ts";
import type { AttributeRow, IssuerRow } from "../../store/directory-types.ts";
import { authorizedApp } from "../access.ts";
import {
  attributeIn,
  attributePatch,
  issuerIn,
  lookupQuery,
  participantIn,
  participantListQuery,
  tagsIn,
} from "../directory-schemas.ts";
import { toListResponse, toPageQuery } from "../pagination.ts";
import { parseInput } from "../validation.ts";

type AppParams = { app_id: string };
type IdParams = AppParams & { id: string };

const iso = (ms: number) => new Date(ms).toISOString();
const issuerOut = (row: IssuerRow) => ({
  id: row.id,
  description: row.description,
  createdAt: iso(row.createdAt),
});
const attributeOut = (row: AttributeRow) => ({
  id: row.id,
  label: row.label,
  valueType: row.valueType,
  choices:
    row.choices?.map((choice) => ({
      value: choice.value,
      label: choice.label,
      friendlyValue: choice.label,
    })) ?? null,
  systemDefined: row.systemDefined,
  createdAt: iso(row.createdAt),
  updatedAt: iso(row.updatedAt),
});

/** Identifier issuers, attribute definitions and participants of one application. */
export function registerDirectoryRoutes(app: FastifyInstance, ctx: Context): void {
  const base = "/api/v1/app/:app_id";

  app.get<{ Params: AppParams }>(`${base}/issuer`, async (request) => {
    const application = await authorizedApp(ctx, request, request.params.app_id);
    return {
      data: (await ctx.store.listIssuers(application.id)).map(issuerOut),
      done: true,
      iterator: null,
      prevIterator: null,
    };
  });
  app.post<{ Params: AppParams }>(`${base}/issuer`, async (request, reply) => {
    const application = await authorizedApp(ctx, request, request.params.app_id);
    const body = parseInput(issuerIn, request.body, "body");
    const row: IssuerRow = {
      appId: application.id,
      id: body.id,
      description: body.description ?? "",
      createdAt: ctx.now(),
    };
    await ctx.store.insertIssuer(row);
    return reply.code(201).send(issuerOut(row));
  });
  app.get<{ Params: IdParams }>(`${base}/issuer/:id`, async (request) => {
    const application = await authorizedApp(ctx, request, request.params.app_id);
    const row = await ctx.store.getIssuer(application.id, request.params.id);
    if (!row) throw new NotFoundError("Issuer");
    return issuerOut(row);
  });
  app.delete<{ Params: IdParams }>(`${base}/issuer/:id`, async (request, reply) => {
    const application = await authorizedApp(ctx, request, request.params.app_id);
    if (!(await ctx.store.getIssuer(application.id, request.params.id))) throw new NotFoundError("Issuer");
    await ctx.store.deleteIssuer(application.id, request.params.id);
    return reply.code(204).send();
  });

  app.get<{ Params: AppParams }>(`${base}/attribute`, async (request) => {
    const application = await authorizedApp(ctx, request, request.params.app_id);
    const rows = await listAttributes(ctx, application.id);
    return { data: rows.map(attributeOut), done: true, iterator: null, prevIterator: null };
  });
  app.post<{ Params: AppParams }>(`${base}/attribute`, async (request, reply) => {
    const application = await authorizedApp(ctx, request, request.params.app_id);
    const row = await createAttribute(ctx, application.id, parseInput(attributeIn, request.body, "body"));
    return reply.code(201).send(attributeOut(row));
  });
  app.get<{ Params: IdParams }>(`${base}/attribute/:id`, async (request) => {
    const application = await authorizedApp(ctx, request, request.params.app_id);
    return attributeOut(await requireAttribute(ctx, application.id, request.params.id));
  });
  app.patch<{ Params: IdParams }>(`${base}/attribute/:id`, async (request) => {
    const application = await authorizedApp(ctx, request, request.params.app_id);
    const existing = await requireAttribute(ctx, application.id, request.params.id);
    return attributeOut(
      await updateAttribute(ctx, existing, parseInput(attributePatch, request.body ?? {}, "body")),
    );
  });
  app.delete<{ Params: IdParams }>(`${base}/attribute/:id`, async (request, reply) => {
    const application = await authorizedApp(ctx, request, request.params.app_id);
    await deleteAttribute(ctx, await requireAttribute(ctx, application.id, request.params.id));
    return reply.code(204).send();
  });

  app.get<{ Params: AppParams }>(`${base}/participant`, async (request) => {
    const application = await authorizedApp(ctx, request, request.params.app_id);
    const query = parseInput(participantListQuery, request.query, "query");
    const definitions = await listAttributes(ctx, application.id);
    let attribute: { id: string; value: string } | undefined;
    if (query.attribute) {
      const [key = "", ...rest] = query.attribute.split(":");
      const definition = findAttribute(definitions, key);
      if (!definition) throw new NotFoundError(`Attribute "${key}"`);
      attribute = { id: definition.id, value: rest.join(":") };
    }
    const page = toPageQuery(query, "asc");
    const rows = await ctx.store.listParticipants(
      application.id,
      { tag: query.tag, issuer: query.issuer, externalId: query.external_id, attribute },
      page,
    );
    return toListResponse(
      rows,
      page,
      (row) => row.id,
      (row) => participantOut(row, definitions),
    );
  });
  app.get<{ Params: AppParams }>(`${base}/participant/lookup`, async (request) => {
    const application = await authorizedApp(ctx, request, request.params.app_id);
    const query = parseInput(lookupQuery, request.query, "query");
    const row = await ctx.store.findParticipantByIdentifier(application.id, query.issuer, query.id);
    if (!row) throw new NotFoundError("Participant");
    return participantOut(row, await listAttributes(ctx, application.id));
  });
  app.post<{ Params: AppParams }>(`${base}/participant`, async (request, reply) => {
    const application = await authorizedApp(ctx, request, request.params.app_id);
    const { row, definitions } = await createParticipant(
      ctx,
      application,
      parseInput(participantIn, request.body, "body"),
    );
    return reply.code(201).send(participantOut(row, definitions));
  });
  app.get<{ Params: IdParams }>(`${base}/participant/:id`, async (request) => {
    const application = await authorizedApp(ctx, request, request.params.app_id);
    const row = await requireParticipant(ctx, application.id, request.params.id);
    return participantOut(row, await listAttributes(ctx, application.id));
  });
  app.patch<{ Params: IdParams }>(`${base}/participant/:id`, async (request) => {
    const application = await authorizedApp(ctx, request, request.params.app_id);
    const existing = await requireParticipant(ctx, application.id, request.params.id);
    const changes = parseInput(participantIn, request.body ?? {}, "body");
    const { row, definitions } = await updateParticipant(ctx, application, existing, changes);
    return participantOut(row, definitions);
  });
  app.post<{ Params: IdParams }>(`${base}/participant/:id/tags`, async (request) => {
    const application = await authorizedApp(ctx, request, request.params.app_id);
    const existing = await requireParticipant(ctx, application.id, request.params.id);
    const { tags } = parseInput(tagsIn, request.body, "body");
    const { row, definitions } = await updateParticipant(ctx, application, existing, { addTags: tags });
    return participantOut(row, definitions);
  });
  app.post<{ Params: IdParams }>(`${base}/participant/:id/unsubscribe`, async (request) => {
    const application = await authorizedApp(ctx, request, request.params.app_id);
    const existing = await requireParticipant(ctx, application.id, request.params.id);
    const row = await unsubscribeParticipant(ctx, application, existing);
    return participantOut(row, await listAttributes(ctx, application.id));
  });
  app.delete<{ Params: IdParams }>(`${base}/participant/:id`, async (request, reply) => {
    const application = await authorizedApp(ctx, request, request.params.app_id);
    await requireParticipant(ctx, application.id, request.params.id);
    await ctx.store.deleteParticipant(application.id, request.params.id);
    return reply.code(204).send();
  });
}
