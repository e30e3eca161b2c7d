import type { FastifyInstance } from "fastify";
import type { Context } from "../../domain/context.ts";
import { requireMessage } from "../../domain/messages.ts";
import { authorizedApp, principalOf } from "../access.ts";
import { acceptMessage, MESSAGE_CONTENT_TYPE, MESSAGE_CREATE_ROUTE } from "../message-create.ts";
import { toListResponse, toPageQuery } from "../pagination.ts";
import { messageListQuery, withContentQuery } from "../schemas.ts";
import { messageOut } from "../serialize.ts";
import { parseInput } from "../validation.ts";

type AppParams = { app_id: string };
type MessageParams = { app_id: string; msg_id: string };

export function registerMessageRoutes(app: FastifyInstance, ctx: Context): void {
  app.post<{ Params: AppParams }>(MESSAGE_CREATE_ROUTE, async (request, reply) => {
    const text = await acceptMessage(ctx, {
      principal: principalOf(request),
      appId: request.params.app_id,
      body: request.body,
      query: request.query,
      idempotencyKey: request.idempotencyKey,
    });
    // The key's answer was committed with the message: the onSend hook has nothing left to store.
    request.idempotencyKey = undefined;
    return reply.code(202).header("content-type", MESSAGE_CONTENT_TYPE).send(text);
  });

  app.get<{ Params: AppParams }>("/api/v1/app/:app_id/msg", async (request) => {
    const application = await authorizedApp(ctx, request, request.params.app_id);
    const query = parseInput(messageListQuery, request.query, "query");
    const page = toPageQuery(query, "desc");
    const rows = await ctx.store.listMessages(
      application.id,
      {
        eventTypes: query.event_types,
        channel: query.channel,
        tag: query.tag,
        before: query.before,
        after: query.after,
      },
      page,
    );
    return toListResponse(
      rows,
      page,
      (row) => row.id,
      (row) => messageOut(row, query.with_content ?? true),
    );
  });

  app.get<{ Params: MessageParams }>("/api/v1/app/:app_id/msg/:msg_id", async (request) => {
    const application = await authorizedApp(ctx, request, request.params.app_id);
    const { with_content } = parseInput(withContentQuery, request.query, "query");
    return messageOut(await requireMessage(ctx, application.id, request.params.msg_id), with_content ?? true);
  });

  app.delete<{ Params: MessageParams }>("/api/v1/app/:app_id/msg/:msg_id/content", async (request, reply) => {
    const application = await authorizedApp(ctx, request, request.params.app_id);
    const message = await requireMessage(ctx, application.id, request.params.msg_id);
    await ctx.store.expungeMessagePayload(application.id, message.id);
    return reply.code(204).send();
  });
}
