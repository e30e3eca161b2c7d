import type { IncomingMessage, ServerResponse } from "node:http";
import { errorBody, WebhookVerificationError } from "./errors.ts";
import { DEFAULT_MAX_BODY_BYTES, queryString, readRawBody } from "./raw-body.ts";
import { type VerifiedDelivery, type VerifyOptions, verifyDelivery } from "./verify.ts";

export interface MiddlewareOptions extends VerifyOptions {
  /** Larger bodies answer 413 (default 5 MiB). */
  maxBodyBytes?: number;
}

export type NodeWebhookRequest = IncomingMessage & { body?: unknown; webhook?: VerifiedDelivery };

/**
 * Express (4 and 5) or plain `node:http` middleware: reads the raw body itself, verifies it, then sets
 * `req.body` to the parsed payload and `req.webhook` to `{ id, timestamp, payload }`. A refused request is
 * answered here (400/401/413, or 500 when a body parser ran first) with `{ error, message }`.
 */
export function expressWebhook(
  options: MiddlewareOptions,
): (req: NodeWebhookRequest, res: ServerResponse, next: (error?: unknown) => void) => void {
  const maxBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  return (req, res, next) => {
    const isGet = req.method === "GET" || req.method === "HEAD";
    const raw = isGet ? Promise.resolve(Buffer.from(queryString(req.url))) : readRawBody(req, maxBytes);
    raw
      .then((body) => {
        const delivery = verifyDelivery(body, req.headers, isGet ? { format: "form", ...options } : options);
        req.webhook = delivery;
        req.body = delivery.payload;
        next();
      })
      .catch((error: unknown) => {
        if (!(error instanceof WebhookVerificationError)) return next(error);
        answerRefusal(res, error);
      });
  };
}

export function answerRefusal(res: ServerResponse, error: WebhookVerificationError): void {
  if (res.headersSent) return;
  res.writeHead(error.status, { "content-type": "application/json; charset=utf-8", connection: "close" });
  res.end(JSON.stringify(errorBody(error)));
}
