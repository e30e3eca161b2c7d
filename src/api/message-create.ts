import { createApplication, findApplication } from "../domain/applications.ts";
import type { Context } from "../domain/context.ts";
import { NotFoundError } from "../domain/errors.ts";
import { createMessage } from "../domain/messages.ts";
import type { Principal } from "../domain/tokens.ts";
import type { MessageRow } from "../store/types.ts";
import { requireAdminPrincipal, tenantApplication } from "./access.ts";
import { parseMessageIn } from "./message-in.ts";
import { appIdPath, withContentQuery } from "./schemas.ts";
import { messageJson } from "./serialize.ts";
import { hasNoKeys, parseInput } from "./validation.ts";

export const MESSAGE_CREATE_ROUTE = "/api/v1/app/:app_id/msg";
export const MESSAGE_CONTENT_TYPE = "application/json; charset=utf-8";

/** What `POST /api/v1/app/:app_id/msg` is given once routing, authentication and body parsing are done. */
export interface MessageCreateRequest {
  principal: Principal;
  /** The `:app_id` path parameter, as the router decoded it. */
  appId: string;
  body: unknown;
  query: unknown;
  /** Set when the request holds an idempotency reservation (idempotency.ts). */
  idempotencyKey: string | undefined;
}

/**
 * The handler of `POST /api/v1/app/:app_id/msg`: the 202's JSON text, or a thrown domain error. Shared by the
 * Fastify route and the early path that serves the common request before Fastify (message-route-early.ts).
 */
export async function acceptMessage(ctx: Context, request: MessageCreateRequest): Promise<string> {
  const { application: newApp, ...input } = parseMessageIn(request.body);
  const { with_content } = hasNoKeys(request.query)
    ? { with_content: undefined }
    : parseInput(withContentQuery, request.query, "query");
  let application = await findApplication(ctx, request.appId);
  if (!application && newApp) {
    // Svix creates the application on first message when its details are included.
    requireAdminPrincipal(request.principal);
    if (!newApp.uid) parseInput(appIdPath, { app_id: request.appId }, "path");
    application = await createApplication(ctx, { ...newApp, uid: newApp.uid ?? request.appId });
  }
  if (!application) throw new NotFoundError("Application");
  // The operator reaches every application: no second lookup of the one just found.
  if (request.principal.kind !== "admin")
    application = await tenantApplication(ctx, request.principal, application.id);
  // With an idempotency key, the replayable answer is committed together with the message.
  const key = request.idempotencyKey;
  const render = (message: MessageRow) => messageJson(message, with_content ?? true);
  const message = await createMessage(
    ctx,
    application,
    input,
    key ? (m) => ({ key, statusCode: 202, body: ctx.secrets.seal(render(m)) }) : undefined,
  );
  return render(message);
}
