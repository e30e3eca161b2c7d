import { createHmac, createSecretKey, type KeyObject, randomBytes } from "node:crypto";

const SECRET_PREFIX = "whsec_";

/** A new Standard Webhooks secret: `whsec_` + base64 of 24 random bytes. */
export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(24).toString("base64");
}

/** The HMAC key bytes of a `whsec_…` secret (base64 after the prefix). */
export function secretKeyBytes(secret: string): Buffer {
  return Buffer.from(
    secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret,
    "base64",
  );
}

const keyObjects = new Map<string, KeyObject>();
const MAX_CACHED_KEYS = 10_000;

/** Prepared HMAC keys, cached: preparing a raw key costs several times the HMAC itself. */
function hmacKey(secret: string): KeyObject {
  let key = keyObjects.get(secret);
  if (!key) {
    if (keyObjects.size >= MAX_CACHED_KEYS) keyObjects.clear();
    key = createSecretKey(secretKeyBytes(secret));
    keyObjects.set(secret, key);
  }
  return key;
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` as defined by Standard Webhooks. */
export function signStandard(secret: string, msgId: string, timestampSeconds: number, body: string): string {
  const digest = createHmac("sha256", hmacKey(secret))
    .update(`${msgId}.${timestampSeconds}.${body}`)
    .digest("base64");
  return `v1,${digest}`;
}

/** Every active secret signs during rotation; receivers accept any of the space-separated signatures. */
export function signStandardAll(
  secrets: string[],
  msgId: string,
  timestampSeconds: number,
  body: string,
): string {
  return secrets.map((secret) => signStandard(secret, msgId, timestampSeconds, body)).join(" ");
}

export interface SignedHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
  "svix-id": string;
  "svix-timestamp": string;
  "svix-signature": string;
}

/** Standard Webhooks headers plus the svix-* duplicates older Svix receivers read. */
export function standardHeaders(
  secrets: string[],
  msgId: string,
  timestampSeconds: number,
  body: string,
): SignedHeaders {
  const signature = signStandardAll(secrets, msgId, timestampSeconds, body);
  const timestamp = String(timestampSeconds);
  return {
    "webhook-id": msgId,
    "webhook-timestamp": timestamp,
    "webhook-signature": signature,
    "svix-id": msgId,
    "svix-timestamp": timestamp,
    "svix-signature": signature,
  };
}
