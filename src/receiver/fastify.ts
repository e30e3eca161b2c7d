import { errorBody, WebhookVerificationError } from "./errors.ts";
import type { MiddlewareOptions } from "./express.ts";
import { DEFAULT_MAX_BODY_BYTES, PARSED_BODY_HINT, queryString } from "./raw-body.ts";
import { type VerifiedDelivery, verifyDelivery } from "./verify.ts";

/** The parts of a Fastify request and reply the plugin uses (structural, so no fastify types are required). */
interface FastifyRequestLike {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  webhook?: VerifiedDelivery;
}
interface FastifyReplyLike {
  code(status: number): FastifyReplyLike;
  send(payload: unknown): FastifyReplyLike;
}
interface FastifyScopeLike {
  removeAllContentTypeParsers(): void;
  // biome-ignore lint/suspicious/noExplicitAny: Fastify's parser callback types vary between versions.
  addContentTypeParser(type: string, options: { parseAs: "buffer"; bodyLimit: number }, parser: any): void;
  // biome-ignore lint/suspicious/noExplicitAny: the hook's request/reply are Fastify's own types.
  addHook(name: "preHandler", hook: any): void;
  hasRequestDecorator(name: string): boolean;
  decorateRequest(name: string, value: unknown): void;
}

export type FastifyWebhookPlugin = (
  scope: FastifyScopeLike,
  options: unknown,
  done: (error?: Error) => void,
) => void;

/**
 * A Fastify plugin for the scope holding your webhook routes: in that scope every body is kept as raw bytes
 * (Fastify's JSON parser would otherwise run first), each request is verified before its handler, and
 * `request.body` becomes the payload, `request.webhook` `{ id, timestamp, payload }`. Register it inside
 * `app.register(async (hooks) => { await hooks.register(fastifyWebhook(opts)); hooks.post(...) })` so the rest
 * of the app keeps its parsers.
 */
export function fastifyWebhook(options: MiddlewareOptions): FastifyWebhookPlugin {
  const maxBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const plugin: FastifyWebhookPlugin = (scope, _pluginOptions, done) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      "*",
      { parseAs: "buffer", bodyLimit: maxBytes },
      (_request: unknown, body: Buffer, parsed: (error: Error | null, body?: Buffer) => void) =>
        parsed(null, body),
    );
    if (!scope.hasRequestDecorator("webhook")) scope.decorateRequest("webhook", undefined);
    scope.addHook("preHandler", (request: FastifyRequestLike, reply: FastifyReplyLike, next: () => void) => {
      try {
        const isGet = request.method === "GET" || request.method === "HEAD";
        let raw: Buffer;
        if (isGet) raw = Buffer.from(queryString(request.url));
        else if (Buffer.isBuffer(request.body)) raw = request.body;
        else if (request.body === undefined || request.body === null) raw = Buffer.alloc(0);
        else throw new WebhookVerificationError("raw-body-unavailable", PARSED_BODY_HINT);
        const delivery = verifyDelivery(
          raw,
          request.headers,
          isGet ? { format: "form", ...options } : options,
        );
        request.webhook = delivery;
        request.body = delivery.payload;
        next();
      } catch (error) {
        if (!(error instanceof WebhookVerificationError)) throw error;
        reply.code(error.status).send(errorBody(error));
      }
    });
    done();
  };
  // What fastify-plugin does: the parser and hook apply to the scope that registers the plugin, not a child.
  return Object.assign(plugin, { [Symbol.for("skip-override")]: true });
}
