import { createHmac, timingSafeEqual } from "node:crypto";
import { WebhookVerificationError } from "./errors.ts";
import { type HeaderSource, readHeader } from "./headers.ts";

/** The signature schemes Outbound sends (see docs/delivery-options.md); `none` carries nothing to verify. */
export type SignatureScheme = "standard" | "hmac-sha256-hex" | "hmac-sha256-base64";

/** What identifies one signed request, handed to the replay hook once the signature has verified. */
export interface DeliveryIdentity {
  /** `webhook-id` (the message id; the same on every retry). */
  id: string;
  /** `webhook-timestamp` in seconds; new on every attempt. Undefined for the raw-HMAC schemes (not signed). */
  timestamp: number | undefined;
}

export interface VerifyOptions {
  /** The endpoint secret (`GET …/endpoint/{id}/secret`); several while rotating, any one may match. */
  secret: string | readonly string[];
  /** Default `standard` (Standard Webhooks, also sent as `svix-*`). */
  scheme?: SignatureScheme;
  /** Raw-HMAC schemes: the header carrying the signature (default `x-signature`). */
  header?: string;
  /** Raw-HMAC schemes: text before the signature, e.g. `sha256=` (default none). */
  prefix?: string;
  /** Standard scheme: how far `webhook-timestamp` may be from now, in seconds (default 300). */
  toleranceSeconds?: number;
  /** Milliseconds since the epoch; injectable for tests (default `Date.now`). */
  now?: () => number;
  /** Returns true when this delivery was already accepted: the request is then refused as `replayed`. */
  isReplay?: (delivery: DeliveryIdentity) => boolean;
  /** How to parse the verified body: `json` (default) or `form` (urlencoded; GET deliveries' query strings). */
  format?: "json" | "form";
}

export interface VerifiedDelivery<T = unknown> {
  /** `webhook-id`, when the request carried one (every Outbound scheme does). */
  id: string | undefined;
  timestamp: number | undefined;
  payload: T;
}

export const DEFAULT_TOLERANCE_SECONDS = 300;
const SECRET_PREFIX = "whsec_";

/**
 * Verifies a delivery and returns its parsed payload; throws `WebhookVerificationError` otherwise.
 * `rawBody` must be the bytes exactly as received (for a GET delivery: the query string without `?`).
 * The third argument is the secret (Standard Webhooks) or the full options.
 */
export function verifyWebhook<T = unknown>(
  rawBody: string | Uint8Array,
  headers: HeaderSource,
  secretOrOptions: string | readonly string[] | VerifyOptions,
): T {
  return verifyDelivery<T>(rawBody, headers, secretOrOptions).payload;
}

/** `verifyWebhook`, also returning the `webhook-id` and timestamp (what the middlewares attach to the request). */
export function verifyDelivery<T = unknown>(
  rawBody: string | Uint8Array,
  headers: HeaderSource,
  secretOrOptions: string | readonly string[] | VerifyOptions,
): VerifiedDelivery<T> {
  const options = normalizeOptions(secretOrOptions);
  const body = typeof rawBody === "string" ? Buffer.from(rawBody, "utf8") : Buffer.from(rawBody);
  const secrets = typeof options.secret === "string" ? [options.secret] : [...options.secret];
  if (secrets.length === 0) throw new TypeError("verifyWebhook: no secret given");
  const scheme = options.scheme ?? "standard";
  const identity =
    scheme === "standard"
      ? verifyStandard(body, headers, secrets, options)
      : verifyRawHmac(body, headers, secrets, scheme, options);
  if (identity.id !== undefined && options.isReplay?.({ id: identity.id, timestamp: identity.timestamp })) {
    throw new WebhookVerificationError("replayed", `delivery ${identity.id} was already received`);
  }
  return { ...identity, payload: parsePayload<T>(body, options.format ?? "json") };
}

function normalizeOptions(secretOrOptions: string | readonly string[] | VerifyOptions): VerifyOptions {
  if (typeof secretOrOptions === "string" || Array.isArray(secretOrOptions)) {
    return { secret: secretOrOptions as string | readonly string[] };
  }
  return secretOrOptions as VerifyOptions;
}

function requireHeader(headers: HeaderSource, names: string[]): string {
  for (const name of names) {
    const value = readHeader(headers, name);
    if (value !== undefined && value !== "") return value;
  }
  throw new WebhookVerificationError(
    "missing-header",
    `missing the ${names.join(" (or ")}${names.length > 1 ? ")" : ""} header`,
  );
}

function verifyStandard(
  body: Buffer,
  headers: HeaderSource,
  secrets: string[],
  options: VerifyOptions,
): { id: string; timestamp: number } {
  const id = requireHeader(headers, ["webhook-id", "svix-id"]);
  const timestampText = requireHeader(headers, ["webhook-timestamp", "svix-timestamp"]);
  const signatures = requireHeader(headers, ["webhook-signature", "svix-signature"]);
  if (!/^\d{1,15}$/.test(timestampText)) {
    throw new WebhookVerificationError(
      "invalid-timestamp",
      "webhook-timestamp must be whole seconds since the epoch",
    );
  }
  const timestamp = Number(timestampText);
  const signed = Buffer.concat([Buffer.from(`${id}.${timestamp}.`, "utf8"), body]);
  const offered = signatures
    .split(" ")
    .filter((entry) => entry.startsWith("v1,"))
    .map((entry) => Buffer.from(entry.slice(3), "base64"));
  const matches = secrets.some((secret) => {
    const expected = createHmac("sha256", standardKey(secret)).update(signed).digest();
    return offered.some((candidate) => sameBytes(candidate, expected));
  });
  if (!matches) {
    throw new WebhookVerificationError("invalid-signature", "no signature matches the body and the secret");
  }
  // After the signature, so a forged request learns nothing about the clock from the answer.
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const nowSeconds = Math.floor((options.now ?? Date.now)() / 1000);
  if (timestamp < nowSeconds - tolerance) {
    throw new WebhookVerificationError(
      "timestamp-too-old",
      `webhook-timestamp is ${nowSeconds - timestamp} s old (tolerance ${tolerance} s)`,
    );
  }
  if (timestamp > nowSeconds + tolerance) {
    throw new WebhookVerificationError(
      "timestamp-in-future",
      `webhook-timestamp is ${timestamp - nowSeconds} s in the future (tolerance ${tolerance} s)`,
    );
  }
  return { id, timestamp };
}

/** A `whsec_…` secret's key is the base64 after the prefix (the same rule as the svix and standardwebhooks packages). */
function standardKey(secret: string): Buffer {
  return Buffer.from(
    secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret,
    "base64",
  );
}

function verifyRawHmac(
  body: Buffer,
  headers: HeaderSource,
  secrets: string[],
  scheme: "hmac-sha256-hex" | "hmac-sha256-base64",
  options: VerifyOptions,
): { id: string | undefined; timestamp: undefined } {
  const headerName = options.header ?? "x-signature";
  const prefix = options.prefix ?? "";
  const value = requireHeader(headers, [headerName]).trim();
  if (!value.startsWith(prefix)) {
    throw new WebhookVerificationError(
      "invalid-signature",
      `the ${headerName} header does not start with "${prefix}"`,
    );
  }
  const encoded = value.slice(prefix.length);
  const hex = scheme === "hmac-sha256-hex";
  const wellFormed = hex ? /^[0-9a-fA-F]{64}$/.test(encoded) : /^[A-Za-z0-9+/]{43}=$/.test(encoded);
  const offered = Buffer.from(encoded, hex ? "hex" : "base64");
  // The raw-HMAC schemes key with the secret's UTF-8 bytes exactly as typed (no whsec_/base64 decoding).
  const matches =
    wellFormed &&
    secrets.some((secret) =>
      sameBytes(offered, createHmac("sha256", Buffer.from(secret, "utf8")).update(body).digest()),
    );
  if (!matches) {
    throw new WebhookVerificationError(
      "invalid-signature",
      `the ${headerName} signature does not match the body and the secret`,
    );
  }
  const id = readHeader(headers, "webhook-id");
  return { id: id === "" ? undefined : id, timestamp: undefined };
}

/** Constant-time equality; different lengths are simply unequal (the length of an HMAC is public). */
function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function parsePayload<T>(body: Buffer, format: "json" | "form"): T {
  const text = body.toString("utf8");
  if (format === "form") return Object.fromEntries(new URLSearchParams(text)) as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new WebhookVerificationError("invalid-payload", "the verified body is not valid JSON");
  }
}
