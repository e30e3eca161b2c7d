import type { FastifyInstance } from "fastify";
import type { Context } from "../../domain/context.ts";
import { requireMessage } from "../../domain/messages.ts";
import { authorizedApp, principalOf } from "../access.ts";
import { type RouteIdempotency, replayIdempotent } from "../idempotency.ts";
import {
  acceptKeyedMessage,
  acceptMessage,
  MESSAGE_CONTENT_TYPE,
  MESSAGE_CREATE_ROUTE,
} from "../message-create.ts";
import { toListResponse, toPageQuery } from "../pagination.ts";
import { messageListQuery, withContentQuery } from "../schemas.ts";
import { messageOut } from "../serialize.ts";
import { parseInput } from "../validation.ts";

type AppParams = { app_id: string };
type MessageParams = { app_id: string; msg_id: string };

export function registerMessageRoutes(app: FastifyInstance, ctx: Context): void {
  const keyedInHandler: RouteIdempotency = { keyedInHandler: true };
  app.post<{ Params: AppParams }>(
    MESSAGE_CREATE_ROUTE,
    { config: keyedInHandler },
    async (request, reply) => {
      const accept = {
        principal: principalOf(request),
        appId: request.params.app_id,
        body: request.body,
        query: request.query,
      };
      const header = request.headers["idempotency-key"];
      if (typeof header !== "string" || header.length === 0) {
        const text = await acceptMessage(ctx, accept);
        return reply.code(202).header("content-type", MESSAGE_CONTENT_TYPE).send(text);
      }
      const answer = await acceptKeyedMessage(ctx, accept, request.url, header);
      if ("accepted" in answer)
        return reply.code(202).header("content-type", MESSAGE_CONTENT_TYPE).send(answer.accepted);
      if ("replay" in answer) return replayIdempotent(reply, answer.replay);
      // The onSend hook stores the error answer under the key this request now holds.
      request.idempotencyKey = answer.key;
      throw answer.error;
    },
  );

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
