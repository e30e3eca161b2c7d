import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Unsubscribe links are `/u/<payload>.<signature>`: base64url JSON {a: app id, p: participant id, e: expiry} and an
 * HMAC-SHA256 over it. Unguessable and tamper-evident without storing anything per link.
 */
export interface UnsubscribeClaims {
  appId: string;
  participantId: string;
  expiresAt: number;
}

export type TokenCheck =
  | { ok: true; claims: UnsubscribeClaims }
  | { ok: false; reason: "invalid" | "expired" };

export function signUnsubscribeToken(key: Buffer, claims: UnsubscribeClaims): string {
  const payload = Buffer.from(
    JSON.stringify({ a: claims.appId, p: claims.participantId, e: claims.expiresAt }),
  ).toString("base64url");
  return `${payload}.${mac(key, payload)}`;
}

export function verifyUnsubscribeToken(key: Buffer, token: string, now: number): TokenCheck {
  const [payload, signature, ...rest] = token.split(".");
  if (!payload || !signature || rest.length > 0) return { ok: false, reason: "invalid" };
  const expected = Buffer.from(mac(key, payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return { ok: false, reason: "invalid" };
  let parsed: { a?: unknown; p?: unknown; e?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    return { ok: false, reason: "invalid" };
  }
  if (typeof parsed.a !== "string" || typeof parsed.p !== "string" || typeof parsed.e !== "number") {
    return { ok: false, reason: "invalid" };
  }
  if (parsed.e <= now) return { ok: false, reason: "expired" };
  return { ok: true, claims: { appId: parsed.a, participantId: parsed.p, expiresAt: parsed.e } };
}

function mac(key: Buffer, payload: string): string {
  return createHmac("sha256", key).update(`unsubscribe.${payload}`).digest("base64url");
}
