import type { IncomingMessage } from "node:http";
import { WebhookVerificationError } from "./errors.ts";

/** Outbound's largest message is 1 MiB by default; mapped or form-encoded bodies can be somewhat larger. */
export const DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024;

export const PARSED_BODY_HINT =
  "the request body was parsed before the webhook could be verified (a JSON or form body parser ran first); " +
  "signatures cover the exact bytes sent, so mount the webhook middleware before any body parser " +
  "(or give the route express.raw({ type: '*/*' }))";

/** The query string of a GET delivery, which is what the raw-HMAC schemes sign for GET (no body). */
export function queryString(url: string | undefined): string {
  const at = url?.indexOf("?") ?? -1;
  return at === -1 || url === undefined ? "" : url.slice(at + 1);
}

/**
 * The raw bytes of a Node request: what a raw/text parser already kept, else read from the stream (bounded).
 * A body some other parser already turned into an object cannot be verified: that is the error, named clearly.
 */
export async function readRawBody(
  req: IncomingMessage & { body?: unknown },
  maxBytes: number,
): Promise<Buffer> {
  if (Buffer.isBuffer(req.body)) return req.body;
  if (typeof req.body === "string") return Buffer.from(req.body, "utf8");
  if ((req.body !== undefined && req.body !== null) || req.readableEnded) {
    throw new WebhookVerificationError("raw-body-unavailable", PARSED_BODY_HINT);
  }
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    const bytes = chunk as Buffer;
    total += bytes.length;
    if (total > maxBytes) throw tooLarge(maxBytes);
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}

export function tooLarge(maxBytes: number): WebhookVerificationError {
  return new WebhookVerificationError("body-too-large", `the body is larger than ${maxBytes} bytes`);
}
