import { errorBody, WebhookVerificationError } from "./errors.ts";
import type { MiddlewareOptions } from "./express.ts";
import { DEFAULT_MAX_BODY_BYTES, PARSED_BODY_HINT, queryString, tooLarge } from "./raw-body.ts";
import { type VerifiedDelivery, verifyDelivery } from "./verify.ts";

/** Declare `new Hono<{ Variables: WebhookVariables }>()` to read `c.get("webhook")` with its type. */
export type WebhookVariables = { webhook: VerifiedDelivery };

/** The parts of Hono's context the middleware uses (structural, so no hono types are required). */
interface HonoContextLike {
  req: {
    method: string;
    url: string;
    raw: Request;
    arrayBuffer(): Promise<ArrayBuffer>;
    bodyCache: object;
  };
  // biome-ignore lint/suspicious/noExplicitAny: Hono types `set` by the app's declared variables.
  set: any;
}

/**
 * Hono middleware: verifies the raw body, then `c.get("webhook")` is `{ id, timestamp, payload }` (the body stays
 * readable, Hono caches it). A refused request is answered with `{ error, message }` and its status.
 */
export function honoWebhook(
  options: MiddlewareOptions,
): (c: HonoContextLike, next: () => Promise<void>) => Promise<Response | undefined> {
  const maxBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  return async (c, next) => {
    try {
      const isGet = c.req.method === "GET" || c.req.method === "HEAD";
      let raw: Uint8Array;
      if (isGet) raw = Buffer.from(queryString(c.req.url));
      else {
        // Hono's own c.req.json()/text() keep the text cached, so they are harmless; reading c.req.raw is not.
        if (c.req.raw.bodyUsed && Object.keys(c.req.bodyCache).length === 0) {
          throw new WebhookVerificationError("raw-body-unavailable", PARSED_BODY_HINT);
        }
        if (Number(c.req.raw.headers.get("content-length") ?? 0) > maxBytes) throw tooLarge(maxBytes);
        raw = new Uint8Array(await c.req.arrayBuffer());
        if (raw.byteLength > maxBytes) throw tooLarge(maxBytes);
      }
      const delivery = verifyDelivery(
        raw,
        c.req.raw.headers,
        isGet ? { format: "form", ...options } : options,
      );
      c.set("webhook", delivery);
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      return new Response(JSON.stringify(errorBody(error)), {
        status: error.status,
        headers: { "content-type": "application/json; charset=utf-8" },
      });
    }
    await next();
    return undefined;
  };
}
