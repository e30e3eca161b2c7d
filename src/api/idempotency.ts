import { createHash } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Context } from "../domain/context.ts";
import { ConflictError, ValidationError } from "../domain/errors.ts";
import type { Principal } from "../domain/tokens.ts";
import { internalErrorBody, problemFor } from "./problem.ts";

export const IDEMPOTENCY_TTL_MS = 12 * 60 * 60 * 1000;
const IN_PROGRESS_WAIT_MS = 5_000;

declare module "fastify" {
  interface FastifyRequest {
    idempotencyKey?: string;
  }
}

/**
 * POST with an `idempotency-key` header: the first response (status < 500) is stored for 12 h and
 * replayed for later requests with the same key and body. A key reused with a different body is a 409.
 */
export function registerIdempotency(app: FastifyInstance, ctx: Context): void {
  // Both hooks answer at once on a request without a key (nearly every one): no promise, no extra microtask.
  app.addHook("preHandler", (request, reply, done) => {
    const header = request.headers["idempotency-key"];
    if (request.method !== "POST" || typeof header !== "string" || header.length === 0) return done();
    // POST /msg reserves its key in the write that stores the message (message-create.ts).
    if ((request.routeOptions.config as RouteIdempotency | undefined)?.keyedInHandler) return done();
    return reserveOrReplay(ctx, request, reply, header);
  });

  app.addHook("onSend", (request, reply, payload, done) => {
    const key = request.idempotencyKey;
    if (!key) return done(null, payload);
    request.idempotencyKey = undefined;
    return completeIdempotencyKey(ctx, key, reply.statusCode, payload).then(
      () => payload,
      (error: unknown) => {
        // The answer could not be stored: answer that failure as the error handler would (left to Fastify, an
        // error answer's failure got its default body, with the store's own message in it).
        const problem = problemFor(error);
        if (problem === null) request.log.error({ err: error, reqId: request.id }, "unhandled error");
        reply.code(problem?.statusCode ?? 500);
        if (problem?.headers) reply.headers(problem.headers);
        reply.header("content-type", "application/json; charset=utf-8");
        return JSON.stringify(problem === null ? internalErrorBody(request.id) : problem.body);
      },
    );
  });
}

/** Reserves the key for this request (it goes on to the handler), or answers from the stored response. */
async function reserveOrReplay(
  ctx: Context,
  request: FastifyRequest,
  reply: FastifyReply,
  header: string,
): Promise<unknown> {
  if (isStream(request.body)) {
    // Streamed uploads (CSV imports) are never buffered to be hashed; an upsert import is idempotent by the
    // participants' identifiers anyway, so the key is refused plainly rather than half-honoured.
    throw ValidationError.field(
      ["header", "idempotency-key"],
      "not supported on streamed uploads: re-running an upsert import updates the same participants",
    );
  }
  const reservation = await reserveIdempotencyKey(ctx, request.principal, request.url, request.body, header);
  if ("key" in reservation) {
    request.idempotencyKey = reservation.key;
    return;
  }
  return replayIdempotent(reply, reservation.replay);
}

/** Answers with a stored response, marked as replayed. */
export function replayIdempotent(reply: FastifyReply, replay: { statusCode: number; body: string }) {
  return reply
    .code(replay.statusCode)
    .header("content-type", "application/json; charset=utf-8")
    .header("idempotent-replayed", "true")
    .send(replay.body);
}

/** Route config of a handler that deals with its idempotency key itself (the preHandler leaves it alone). */
export interface RouteIdempotency {
  keyedInHandler?: boolean;
}

/** The stored key of a request (scoped to its tenant and path) and the hash of its body. */
export function idempotencyIdentity(
  principal: Principal | undefined,
  url: string,
  body: unknown,
  header: string,
): { key: string; requestHash: string } {
  const scope = principal?.kind === "app" ? principal.appId : "admin";
  const key = `${scope}:${url.split("?")[0]}:${header}`;
  const requestHash = createHash("sha256")
    .update(JSON.stringify(body ?? null))
    .digest("hex");
  return { key, requestHash };
}

/** The key this request now holds, or the stored answer to replay. */
export type Reservation = { key: string } | { replay: { statusCode: number; body: string } };

/**
 * Reserves `header` for a request to `url` with `body`, or finds the answer stored for it; a key in progress or
 * reused with another body is a 409. Shared by the preHandler hook and the early `POST /msg` path.
 */
export async function reserveIdempotencyKey(
  ctx: Context,
  principal: Principal | undefined,
  url: string,
  body: unknown,
  header: string,
): Promise<Reservation> {
  const { key, requestHash } = idempotencyIdentity(principal, url, body, header);
  const now = ctx.now();
  if (await ctx.store.reserveIdempotency(key, requestHash, now)) return { key };
  const deadline = Date.now() + IN_PROGRESS_WAIT_MS;
  let row = await ctx.store.getIdempotency(key);
  while (row && row.statusCode === 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    row = await ctx.store.getIdempotency(key);
  }
  // A reservation without a response after one lease belongs to a request whose process died (judged after the
  // wait: a retry that arrives right after a crash must not be told "in progress" by a reservation nobody holds).
  const afterWait = ctx.now();
  const abandoned = row !== null && row.statusCode === 0 && row.createdAt < afterWait - ctx.config.leaseMs;
  if (!row || abandoned || row.createdAt < afterWait - IDEMPOTENCY_TTL_MS) {
    // Expired, abandoned or released: this request takes the key over, unless a concurrent retry (perhaps in
    // another process) took it first; then that one is in progress.
    const stale = {
      abandonedBefore: afterWait - ctx.config.leaseMs,
      expiredBefore: afterWait - IDEMPOTENCY_TTL_MS,
    };
    if (await ctx.store.takeOverIdempotency(key, requestHash, afterWait, stale)) return { key };
    throw new ConflictError("A request with this idempotency key is still in progress");
  }
  if (row.statusCode === 0)
    throw new ConflictError("A request with this idempotency key is still in progress");
  if (row.requestHash !== requestHash) {
    throw new ConflictError(
      "This idempotency key was used with a different request body",
      "idempotency_conflict",
    );
  }
  return { replay: { statusCode: row.statusCode, body: ctx.secrets.open(row.body) } };
}

/** Stores the answer sent for a held key (released instead after a 5xx, so a retry runs again). */
export async function completeIdempotencyKey(
  ctx: Context,
  key: string,
  statusCode: number,
  payload: unknown,
): Promise<void> {
  if (statusCode >= 500) {
    await ctx.store.releaseIdempotency(key);
  } else {
    // Responses can carry secrets (portal tokens, endpoint secrets): stored sealed like every other secret.
    const body = typeof payload === "string" ? payload : "";
    await ctx.store.completeIdempotency(key, statusCode, ctx.secrets.seal(body));
  }
}

function isStream(body: unknown): boolean {
  return typeof body === "object" && body !== null && typeof (body as { pipe?: unknown }).pipe === "function";
}
