import type { IncomingMessage, ServerResponse } from "node:http";
import { errorCodes, type FastifyInstance } from "fastify";
import type { Context } from "../domain/context.ts";
import { knownOperator, type Principal } from "../domain/tokens.ts";
import { bearerToken } from "./access.ts";
import { accessLogEnabled, logAccess } from "./access-log.ts";
import { completeIdempotencyKey } from "./idempotency.ts";
import { parseJsonRequestBody } from "./json-body.ts";
import {
  acceptKeyedMessage,
  acceptMessage,
  MESSAGE_CONTENT_TYPE,
  MESSAGE_CREATE_ROUTE,
  type MessageCreateRequest,
} from "./message-create.ts";
import { internalErrorBody, problemFor } from "./problem.ts";

/**
 * `POST /api/v1/app/:app_id/msg` served before Fastify when the request is the common one: the operator's verified
 * token, a JSON body of known length within the limit, a plain application id in the path, no query, no tracing
 * (with or without an idempotency key, which the Svix SDKs send on every POST). Fastify's pipeline (router,
 * request and reply objects, hook runners, body parser) had cost 20–25 µs of the API thread's CPU per message. Everything else goes to Fastify as before, decided
 * from the headers alone, before a byte of the body is read.
 *
 * What the client and the operator see is what the Fastify route gives (test/e2e/message-route-early.test.ts compares
 * the two byte for byte): the same handler (message-create.ts), the same error answers (problem.ts, plus the
 * `connection: close` Fastify adds when the body cannot be parsed), the same access-log line, metrics and request id.
 */
export function serveMessageCreateEarly(app: FastifyInstance, ctx: Context, genReqId: () => string): void {
  // Traces come from Fastify's hooks (tracing-hooks.ts): with tracing on, every request takes that path.
  if (ctx.telemetry.tracer) return;
  const closing = fastifyClosing(app);
  const listeners = app.server.listeners("request");
  const fastify = listeners[0] as ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  if (!closing || !fastify || listeners.length !== 1) return; // not the Fastify this was written for
  // Fastify's bodyLimit (server.ts): a larger declared body is its 413.
  const early = earlyMessageCreate(ctx, genReqId, ctx.config.maxMessageBytes);
  app.server.removeListener("request", fastify);
  app.server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    // While Fastify closes, its router answers 503: leave every request to it.
    if (closing() || !early(req, res)) fastify(req, res);
  });
}

/** Fastify's own "closing" flag (set with its router's), read through its state symbol; null if it has none. */
export function fastifyClosing(app: FastifyInstance): (() => boolean) | null {
  const key = Object.getOwnPropertySymbols(app).find((s) => s.description === "fastify.state");
  const state =
    key === undefined ? undefined : (app as unknown as Record<symbol, { closing?: unknown }>)[key];
  if (typeof state?.closing !== "boolean") return null;
  return () => state.closing === true;
}

/** Exact shape only: a percent-encoded, dotted, over-long or empty id, a query or a trailing slash go to Fastify. */
const MESSAGE_CREATE_URL = /^\/api\/v1\/app\/([A-Za-z0-9_-][A-Za-z0-9_.-]{0,511})\/msg$/;

/** The request handler: true when it took the request, false to leave it to Fastify. */
export function earlyMessageCreate(ctx: Context, genReqId: () => string, bodyLimit: number) {
  const logged = accessLogEnabled(ctx);
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== "POST") return false;
    const match = MESSAGE_CREATE_URL.exec(req.url ?? "");
    if (match === null) return false;
    const headers = req.headers;
    const type = headers["content-type"];
    if (type !== "application/json" && type !== "application/json; charset=utf-8") return false;
    const length = headers["content-length"];
    if (length === undefined || headers["transfer-encoding"] !== undefined) return false;
    if (!(Number(length) <= bodyLimit)) return false;
    const token = bearerToken(req);
    const principal = token === null ? null : knownOperator(ctx, token);
    if (principal === null) return false; // other tokens (or none) are checked in Fastify's onRequest hook
    new EarlyRequest(ctx, genReqId, req, res, principal, logged).read(match[1] as string, Number(length));
    return true;
  };
}

/** One request taken early: reads the body, runs the handler, answers, then logs and counts like Fastify's hooks. */
class EarlyRequest {
  readonly #startedAt: number;
  #finished = false;
  #replayed = false;
  #id: string | undefined;
  readonly #genReqId: () => string;
  readonly ctx: Context;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly principal: Principal;
  readonly logged: boolean;

  constructor(
    ctx: Context,
    genReqId: () => string,
    req: IncomingMessage,
    res: ServerResponse,
    principal: Principal,
    logged: boolean,
  ) {
    this.ctx = ctx;
    this.#genReqId = genReqId;
    // Only an access-log line shows the time taken.
    this.#startedAt = logged ? performance.now() : 0;
    this.req = req;
    this.res = res;
    this.principal = principal;
    this.logged = logged;
    // As Fastify's onResponse hooks: once the answer is written (or writing it failed).
    const finished = () => this.#onFinished();
    res.on("finish", finished);
    res.on("error", finished);
  }

  /** The request id, made when something shows it (a log line, a 500): Fastify makes one per request, unseen. */
  get id(): string {
    this.#id ??= this.#genReqId();
    return this.#id;
  }

  read(appId: string, length: number): void {
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      chunks.push(chunk);
    };
    const onEnd = (error?: Error & { statusCode?: number }) => {
      this.req.removeListener("data", onData);
      this.req.removeListener("end", onEnd);
      this.req.removeListener("error", onEnd);
      // The same answers as Fastify's body reader: a broken stream or a short body is a 400 on a closing connection.
      if (error != null) {
        if (!(typeof error.statusCode === "number" && error.statusCode >= 400)) error.statusCode = 400;
        return this.fail(error, { connection: "close" }, undefined);
      }
      if (received !== length)
        return this.fail(
          new errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH(),
          { connection: "close" },
          undefined,
        );
      let body: unknown;
      try {
        // Copied, as Fastify's reader does: a chunk may be a view of a read buffer the socket reuses.
        body = parseJsonRequestBody(Buffer.concat(chunks, received));
      } catch (parseError) {
        return this.fail(parseError, { connection: "close" }, undefined);
      }
      this.#handle(appId, body);
    };
    this.req.on("data", onData);
    this.req.on("end", onEnd);
    this.req.on("error", onEnd);
  }

  /** As the preHandler hook (idempotency.ts): a key is reserved, or its stored answer replayed, before the handler. */
  /** As the Fastify route (routes/messages.ts), a key included: accepted, replayed, or an error to answer. */
  #handle(appId: string, body: unknown): void {
    const request: MessageCreateRequest = { principal: this.principal, appId, body, query: {} };
    const accepted = (text: string) => this.answer(202, { "content-type": MESSAGE_CONTENT_TYPE }, text);
    const header = this.req.headers["idempotency-key"];
    if (typeof header !== "string" || header.length === 0) {
      acceptMessage(this.ctx, request).then(accepted, (error) => this.fail(error, {}, undefined));
      return;
    }
    acceptKeyedMessage(this.ctx, request, this.req.url ?? "", header).then(
      (answer) => {
        if ("accepted" in answer) return accepted(answer.accepted);
        if ("error" in answer) return this.fail(answer.error, {}, answer.key);
        this.#replayed = true;
        const headers = { "content-type": MESSAGE_CONTENT_TYPE, "idempotent-replayed": "true" };
        this.answer(answer.replay.statusCode, headers, answer.replay.body);
      },
      (error) => this.fail(error, {}, undefined),
    );
  }

  /**
   * As problem.ts answers through Fastify's error handler, on top of `headers` already set (`connection: close`
   * after a body that could not be parsed, as Fastify's body reader sets it).
   */
  fail(error: unknown, headers: Record<string, string>, key: string | undefined): void {
    const problem = problemFor(error);
    if (problem === null) {
      this.ctx.logger.child({ reqId: this.id }).error({ err: error, reqId: this.id }, "unhandled error");
    } else if (problem.headers) {
      Object.assign(headers, problem.headers);
    }
    headers["content-type"] = MESSAGE_CONTENT_TYPE;
    const body = problem === null ? internalErrorBody(this.id) : problem.body;
    this.#send(problem?.statusCode ?? 500, headers, JSON.stringify(body), key);
  }

  /**
   * As the onSend hook: with a key held, the answer is stored (or the key released after a 5xx) before it is sent.
   * If that fails, the failure is answered instead, as our error handler answers it, keeping the headers set but the
   * type.
   */
  #send(status: number, headers: Record<string, string>, text: string, key: string | undefined): void {
    if (key === undefined) {
      this.answer(status, headers, text);
      return;
    }
    completeIdempotencyKey(this.ctx, key, status, text).then(
      () => this.answer(status, headers, text),
      (error) => {
        delete headers["content-type"];
        this.fail(error, headers, undefined);
      },
    );
  }

  answer(status: number, headers: Record<string, string>, text: string): void {
    headers["content-length"] = String(Buffer.byteLength(text));
    this.res.writeHead(status, headers);
    this.res.end(text);
  }

  #onFinished(): void {
    if (this.#finished) return;
    this.#finished = true;
    const status = this.res.statusCode;
    if (this.logged) {
      const elapsed = performance.now() - this.#startedAt;
      logAccess(this.ctx, this.id, "POST", MESSAGE_CREATE_ROUTE, status, elapsed, this.principal);
    }
    this.ctx.telemetry.recordResponse("POST", MESSAGE_CREATE_ROUTE, status, this.#replayed);
  }
}
