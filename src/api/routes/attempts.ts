import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Context } from "../../domain/context.ts";
import { requireEndpoint } from "../../domain/endpoints.ts";
import { NotFoundError } from "../../domain/errors.ts";
import { requireMessage, resendMessage } from "../../domain/messages.ts";
import type { AttemptFilter } from "../../store/types.ts";
import { authorizedApp } from "../access.ts";
import { toListResponse, toPageQuery } from "../pagination.ts";
import { attemptListQuery, pageQuery } from "../schemas.ts";
import { attemptHeadersOut, attemptOut, messageEndpointOut, messageOut } from "../serialize.ts";
import { parseInput } from "../validation.ts";

type EndpointParams = { app_id: string; endpoint_id: string };
type MessageParams = { app_id: string; msg_id: string };
type AttemptParams = MessageParams & { attempt_id: string };

export function registerAttemptRoutes(app: FastifyInstance, ctx: Context): void {
  async function listAttempts(appId: string, rawQuery: unknown, scope: AttemptFilter) {
    const query = parseInput(attemptListQuery, rawQuery, "query");
    const page = toPageQuery(query, "desc");
    const filter: AttemptFilter = {
      eventTypes: query.event_types,
      channel: query.channel,
      tag: query.tag,
      before: query.before,
      after: query.after,
      status: query.status,
      statusCodeClass: query.status_code_class,
      ...(query.endpoint_id ? { endpointId: query.endpoint_id } : {}),
      ...scope,
    };
    const rows = await ctx.store.listAttempts(appId, filter, page);
    const messages = new Map<string, ReturnType<typeof messageOut>>();
    if (query.with_msg) {
      for (const msgId of new Set(rows.items.map((row) => row.msgId))) {
        const message = await ctx.store.getMessage(appId, msgId);
        if (message) messages.set(msgId, messageOut(message, query.with_content ?? true));
      }
    }
    return toListResponse(
      rows,
      page,
      (row) => row.id,
      (row) => attemptOut(row, messages.get(row.msgId)),
    );
  }

  app.get<{ Params: EndpointParams }>(
    "/api/v1/app/:app_id/attempt/endpoint/:endpoint_id",
    async (request) => {
      const application = await authorizedApp(ctx, request, request.params.app_id);
      const endpoint = await requireEndpoint(ctx, application.id, request.params.endpoint_id);
      return listAttempts(application.id, request.query, { endpointId: endpoint.id });
    },
  );

  app.get<{ Params: MessageParams }>("/api/v1/app/:app_id/attempt/msg/:msg_id", async (request) => {
    const application = await authorizedApp(ctx, request, request.params.app_id);
    const message = await requireMessage(ctx, application.id, request.params.msg_id);
    const query = parseInput(attemptListQuery, request.query, "query");
    const endpointId = query.endpoint_id
      ? (await requireEndpoint(ctx, application.id, query.endpoint_id)).id
      : undefined;
    return listAttempts(application.id, request.query, {
      msgId: message.id,
      ...(endpointId ? { endpointId } : {}),
    });
  });

  async function requireAttempt(request: FastifyRequest<{ Params: AttemptParams }>) {
    const application = await authorizedApp(ctx, request, request.params.app_id);
    const message = await requireMessage(ctx, application.id, request.params.msg_id);
    const attempt = await ctx.store.getAttempt(application.id, message.id, request.params.attempt_id);
    if (!attempt) throw new NotFoundError("Message attempt");
    return attempt;
  }

  app.get<{ Params: AttemptParams }>("/api/v1/app/:app_id/msg/:msg_id/attempt/:attempt_id", async (request) =>
    attemptOut(await requireAttempt(request)),
  );

  app.get<{ Params: AttemptParams }>(
    "/api/v1/app/:app_id/msg/:msg_id/attempt/:attempt_id/headers",
    async (request) => attemptHeadersOut(await requireAttempt(request)),
  );

  app.delete<{ Params: AttemptParams }>(
    "/api/v1/app/:app_id/msg/:msg_id/attempt/:attempt_id/content",
    async (request, reply) => {
      const application = await authorizedApp(ctx, request, request.params.app_id);
      const message = await requireMessage(ctx, application.id, request.params.msg_id);
      const attempt = await ctx.store.getAttempt(application.id, message.id, request.params.attempt_id);
      if (!attempt) throw new NotFoundError("Message attempt");
      await ctx.store.expungeAttemptResponse(application.id, message.id, attempt.id);
      return reply.code(204).send();
    },
  );

  app.get<{ Params: MessageParams }>("/api/v1/app/:app_id/msg/:msg_id/endpoint", async (request) => {
    const application = await authorizedApp(ctx, request, request.params.app_id);
    const message = await requireMessage(ctx, application.id, request.params.msg_id);
    const page = toPageQuery(parseInput(pageQuery, request.query, "query"), "asc");
    const rows = await ctx.store.listMessageDeliveries(application.id, message.id, page);
    return toListResponse(
      rows,
      page,
      (row) => row.endpoint.id,
      (row) => messageEndpointOut(row.delivery, row.endpoint),
    );
  });

  app.post<{ Params: MessageParams & { endpoint_id: string } }>(
    "/api/v1/app/:app_id/msg/:msg_id/endpoint/:endpoint_id/resend",
    async (request, reply) => {
      const application = await authorizedApp(ctx, request, request.params.app_id);
      const message = await requireMessage(ctx, application.id, request.params.msg_id);
      const endpoint = await requireEndpoint(ctx, application.id, request.params.endpoint_id);
      await resendMessage(ctx, message, endpoint);
      return reply.code(202).send({});
    },
  );
}
