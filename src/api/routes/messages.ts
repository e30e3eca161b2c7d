import type { FastifyInstance } from "fastify";
import { createApplication, findApplication } from "../../domain/applications.ts";
import type { Context } from "../../domain/context.ts";
import { NotFoundError } from "../../domain/errors.ts";
import { createMessage, requireMessage } from "../../domain/messages.ts";
import type { MessageRow } from "../../store/types.ts";
import { authorizedApp, principalOf, requireAdmin } from "../access.ts";
import { parseMessageIn } from "../message-in.ts";
import { toListResponse, toPageQuery } from "../pagination.ts";
import { appIdPath, messageListQuery, withContentQuery } from "../schemas.ts";
import { messageJson, messageOut } from "../serialize.ts";
import { hasNoKeys, parseInput } from "../validation.ts";

type AppParams = { app_id: string };
type MessageParams = { app_id: string; msg_id: string };

export function registerMessageRoutes(app: FastifyInstance, ctx: Context): void {
  app.post<{ Params: AppParams }>("/api/v1/app/:app_id/msg", async (request, reply) => {
    const { application: newApp, ...input } = parseMessageIn(request.body);
    const { with_content } = hasNoKeys(request.query)
      ? { with_content: undefined }
      : parseInput(withContentQuery, request.query, "query");
    let application = await findApplication(ctx, request.params.app_id);
    if (!application && newApp) {
      // Svix creates the application on first message when its details are included.
      requireAdmin(request);
      if (!newApp.uid) parseInput(appIdPath, request.params, "path");
      application = await createApplication(ctx, { ...newApp, uid: newApp.uid ?? request.params.app_id });
    }
    if (!application) throw new NotFoundError("Application");
    // The operator reaches every application: no second lookup of the one just found.
    if (principalOf(request).kind !== "admin")
      application = await authorizedApp(ctx, request, application.id);
    // With an idempotency key, the replayable answer is committed together with the message.
    const key = request.idempotencyKey;
    const render = (message: MessageRow) => messageJson(message, with_content ?? true);
    const message = await createMessage(
      ctx,
      application,
      input,
      key ? (m) => ({ key, statusCode: 202, body: ctx.secrets.seal(render(m)) }) : undefined,
    );
    return reply.code(202).header("content-type", "application/json; charset=utf-8").send(render(message));
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
