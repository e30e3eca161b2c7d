import { createApplication, findApplication } from "../domain/applications.ts";
import type { Context } from "../domain/context.ts";
import { ConflictError, IdempotencyKeyTakenError, NotFoundError } from "../domain/errors.ts";
import { createMessage } from "../domain/messages.ts";
import type { Principal } from "../domain/tokens.ts";
import type { MessageRow } from "../store/types.ts";
import { requireAdminPrincipal, tenantApplication } from "./access.ts";
import { idempotencyIdentity, type Reservation, reserveIdempotencyKey } from "./idempotency.ts";
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
  /**
   * The request's idempotency key: held already (reserved by idempotency.ts), or with `reserve`, to be inserted by
   * the write that stores the message (`acceptKeyedMessage`).
   */
  idempotency?: { key: string; reserve?: { requestHash: string; createdAt: number } };
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
  const idempotency = request.idempotency;
  // The 202's text, made once: the keyed answer stored with the message and the reply are the same text.
  let rendered: { message: MessageRow; text: string } | undefined;
  const render = (message: MessageRow) => {
    if (rendered?.message !== message)
      rendered = { message, text: messageJson(message, with_content ?? true) };
    return rendered.text;
  };
  const message = await createMessage(
    ctx,
    application,
    input,
    idempotency ? (m) => ({ ...idempotency, statusCode: 202, body: ctx.secrets.seal(render(m)) }) : undefined,
  );
  return render(message);
}

/**
 * How a keyed `POST …/msg` ends: accepted (its answer stored with the message), a stored answer replayed, or an
 * error to answer, stored under `key` when set (as the onSend hook stores any keyed answer).
 */
export type KeyedAnswer =
  | { accepted: string }
  | { replay: { statusCode: number; body: string } }
  | { error: unknown; key: string | undefined };

/**
 * `POST …/msg` with an `idempotency-key` (the Svix SDKs send one with every POST): the key is inserted, answer
 * included, by the write that stores the message, one write where a reservation took one more before it. Only when
 * that write finds the key taken, or the request fails, does it go the way of every other keyed POST: reserve (or
 * replay the stored answer, or 409), then store this answer under the key.
 */
export async function acceptKeyedMessage(
  ctx: Context,
  request: MessageCreateRequest,
  url: string,
  header: string,
): Promise<KeyedAnswer> {
  const { key, requestHash } = idempotencyIdentity(request.principal, url, request.body, header);
  const reserve = { requestHash, createdAt: ctx.now() };
  let failure: unknown;
  try {
    return { accepted: await acceptMessage(ctx, { ...request, idempotency: { key, reserve } }) };
  } catch (error) {
    failure = error;
  }
  let reservation: Reservation;
  try {
    reservation = await reserveIdempotencyKey(ctx, request.principal, url, request.body, header);
  } catch (error) {
    // A 409 (a twin in progress, or the key used with another body) is the answer; a failing reservation is not.
    return { error: error instanceof ConflictError ? error : failure, key: undefined };
  }
  if ("replay" in reservation) return reservation;
  if (!(failure instanceof IdempotencyKeyTakenError)) return { error: failure, key: reservation.key };
  // The key had expired or was abandoned, and is now this request's: write the message as a reserved request.
  try {
    return { accepted: await acceptMessage(ctx, { ...request, idempotency: { key: reservation.key } }) };
  } catch (error) {
    return { error, key: reservation.key };
  }
}
