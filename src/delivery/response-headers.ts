import type { HeaderPair } from "../store/types.ts";

/** At most this many response headers are kept per attempt; the rest are left out. */
export const RESPONSE_HEADERS_MAX_COUNT = 64;
/** At most this many bytes of names and values in all; the first header that would pass it, and all after, are left out. */
export const RESPONSE_HEADERS_MAX_BYTES = 8 * 1024;
/** What stands for a Set-Cookie value in the attempt log. */
export const REDACTED_COOKIE = "(redacted)";

/**
 * The response headers an attempt keeps (from undici's headers object as entries, or the pairs `outbound listen`
 * reports), in the order received, one pair per value (a repeated header gives several
 * pairs), names lower-case. Set-Cookie keeps its cookie name and attributes but not its value: a cookie the receiver
 * issues to Outbound is a credential for the receiver's site, and attempts are shown to every portal user of the
 * application and kept until retention removes them.
 */
export function keepResponseHeaders(
  headers: Iterable<[name: string, value: string | string[] | undefined]>,
): HeaderPair[] {
  const kept: HeaderPair[] = [];
  let bytes = 0;
  for (const [name, value] of headers) {
    bytes = keepHeader(kept, bytes, name, value);
    if (bytes < 0) break;
  }
  return kept;
}

/**
 * keepResponseHeaders over undici's headers object, without the array of entries Object.entries would build for
 * every attempt. Same result as `keepResponseHeaders(Object.entries(headers))`.
 */
export function keepResponseHeaderRecord(
  headers: Record<string, string | string[] | undefined>,
): HeaderPair[] {
  const kept: HeaderPair[] = [];
  let bytes = 0;
  for (const name in headers) {
    if (!Object.hasOwn(headers, name)) continue;
    bytes = keepHeader(kept, bytes, name, headers[name]);
    if (bytes < 0) break;
  }
  return kept;
}

/** Adds one header's values to `kept`; the bytes kept so far, or -1 once a limit is reached (keep nothing more). */
function keepHeader(
  kept: HeaderPair[],
  bytesSoFar: number,
  rawName: string,
  rawValue: string | string[] | undefined,
): number {
  if (rawValue === undefined) return bytesSoFar;
  const name = rawName.toLowerCase();
  let bytes = bytesSoFar;
  const values = typeof rawValue === "string" ? undefined : rawValue;
  for (let i = 0; i < (values ? values.length : 1); i++) {
    const value = values ? (values[i] as string) : (rawValue as string);
    const shown = name === "set-cookie" ? redactCookie(value) : value;
    bytes += Buffer.byteLength(name) + Buffer.byteLength(shown);
    if (kept.length >= RESPONSE_HEADERS_MAX_COUNT || bytes > RESPONSE_HEADERS_MAX_BYTES) return -1;
    kept.push([name, shown]);
  }
  return bytes;
}

/** `sid=abc; Path=/; HttpOnly` → `sid=(redacted); Path=/; HttpOnly`. */
export function redactCookie(value: string): string {
  const semicolon = value.indexOf(";");
  const pair = semicolon === -1 ? value : value.slice(0, semicolon);
  const attributes = semicolon === -1 ? "" : value.slice(semicolon);
  const equals = pair.indexOf("=");
  const name = equals === -1 ? "" : pair.slice(0, equals).trim();
  return `${name}=${REDACTED_COOKIE}${attributes}`;
}
