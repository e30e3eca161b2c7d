import { ValidationError } from "../domain/errors.ts";

/** Deeper JSON is refused: it is never a real webhook payload, and re-serialising it could exhaust the stack. */
export const MAX_JSON_DEPTH = 64;

/** Depth of nested arrays/objects, computed without recursion; stops counting past `limit`. */
export function jsonDepthExceeds(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== "object") continue;
    if (depth > limit) return true;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * True when `text` holds at most `limit` opening brackets (`{` or `[`, counting those inside strings too), so the
 * parsed value cannot be nested deeper than `limit` and the walk over it can be skipped. Typical webhook payloads
 * have a handful; walking them had been 1.3 % of ingest CPU (an array per node, then garbage).
 */
export function openersAtMost(text: string, limit: number): boolean {
  let openers = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c === 0x7b || c === 0x5b) && ++openers > limit) return false;
  }
  return true;
}

export class MalformedJsonError extends Error {
  readonly statusCode = 400;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Request bytes as text; invalid UTF-8 is a 400 rather than a silent U+FFFD in someone's payload. */
export function decodeUtf8(bytes: Buffer): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new MalformedJsonError("Request body is not valid UTF-8");
  }
}

/** Parses a JSON request body; malformed JSON is a 400, too-deep JSON a 422 on the body. */
export function parseJsonBody(text: string): unknown {
  if (text.length === 0) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new MalformedJsonError(`Request body is not valid JSON: ${(error as Error).message}`);
  }
  if (!openersAtMost(text, MAX_JSON_DEPTH) && jsonDepthExceeds(value, MAX_JSON_DEPTH)) {
    throw ValidationError.field(["body"], `JSON is nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
  return value;
}

/** A JSON request body as Fastify's parser for `application/json` (server.ts) and the early `POST /msg` read it. */
export function parseJsonRequestBody(bytes: Buffer): unknown {
  return parseJsonBody(decodeUtf8(bytes));
}
