/**
 * Header names nobody but Outbound's sender may set, wherever a user can name a header: custom endpoint headers,
 * `header` credentials, a raw-HMAC scheme's signature header. One list, so a name refused in one place cannot
 * slip in through another (a `Host` credential once overrode the request's host). A leaf module: imports nothing.
 */
export const RESERVED_HEADER_NAMES: ReadonlySet<string> = new Set([
  // Transport: they would break or smuggle the request.
  "host",
  "content-length",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "upgrade",
  "te",
  "trailer",
  "expect",
  "proxy-authorization",
  "proxy-connection",
  // Signing: they would forge or replace Outbound's signature and message id.
  "webhook-id",
  "webhook-timestamp",
  "webhook-signature",
  "svix-id",
  "svix-timestamp",
  "svix-signature",
]);

const HEADER_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Why a user-chosen header name is refused, or null when it is fine. */
export function headerNameProblem(name: string): string | null {
  if (name.length === 0 || name.length > 128 || !HEADER_TOKEN.test(name)) {
    return "must be a valid HTTP header name of at most 128 characters";
  }
  if (RESERVED_HEADER_NAMES.has(name.toLowerCase())) {
    return `header "${name}" is set by Outbound and cannot be overridden`;
  }
  return null;
}
