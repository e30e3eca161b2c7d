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
  // One secret outside a rotation: no array per signature.
  if (secrets.length === 1) return signStandard(secrets[0] as string, msgId, timestampSeconds, body);
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
  const headers: Partial<SignedHeaders> = {};
  setStandardHeaders(headers, secrets, msgId, timestampSeconds, body);
  return headers as SignedHeaders;
}

/**
 * standardHeaders written into `headers` (in that order, over any of the same name): the request builder's per-attempt
 * form, without an object to copy from.
 */
export function setStandardHeaders(
  headers: Record<string, string>,
  secrets: string[],
  msgId: string,
  timestampSeconds: number,
  body: string,
): void {
  const signature = signStandardAll(secrets, msgId, timestampSeconds, body);
  const timestamp = String(timestampSeconds);
  headers["webhook-id"] = msgId;
  headers["webhook-timestamp"] = timestamp;
  headers["webhook-signature"] = signature;
  headers["svix-id"] = msgId;
  headers["svix-timestamp"] = timestamp;
  headers["svix-signature"] = signature;
}
