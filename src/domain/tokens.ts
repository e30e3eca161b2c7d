import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { newId } from "../ids.ts";
import type { TokenRow } from "../store/types.ts";
import type { Context } from "./context.ts";

export const PORTAL_TOKEN_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

function newTokenText(prefix: string): string {
  return `${prefix}_${randomBytes(24).toString("base64url")}`;
}

let memo: { token: string; hash: Buffer } | undefined;
/** The configured token's hash, computed once. */
function configuredHash(token: string): Buffer {
  if (memo?.token !== token) memo = { token, hash: Buffer.from(hashToken(token)) };
  return memo.hash;
}

/** Who a token speaks for. A read-only portal token (`readOnly`) may call only GET/HEAD routes. */
export type Principal = { kind: "admin" } | { kind: "app"; appId: string; readOnly?: boolean };

/**
 * Looks a bearer token up. The configured OUTBOUND_API_TOKEN is compared in constant time; stored tokens
 * are found by their SHA-256 hash (the hash lookup reveals nothing usable about the token).
 */
export async function authenticate(ctx: Context, token: string): Promise<Principal | null> {
  const configured = ctx.config.apiToken;
  if (configured !== undefined) {
    const a = configuredHash(configured);
    const b = Buffer.from(hashToken(token));
    if (timingSafeEqual(a, b)) return { kind: "admin" };
  }
  const row = await ctx.store.findTokenByHash(hashToken(token));
  if (!row) return null;
  if (row.expiresAt !== null && row.expiresAt <= ctx.now()) return null;
  if (row.appId === null) return configured === undefined ? { kind: "admin" } : null;
  return { kind: "app", appId: row.appId };
}

/** On first start without OUTBOUND_API_TOKEN: make an admin token, store only its hash, return it to print once. */
export async function ensureAdminToken(ctx: Context): Promise<string | null> {
  if (ctx.config.apiToken !== undefined) return null;
  if ((await ctx.store.countAdminTokens()) > 0) return null;
  const token = newTokenText("obk");
  await ctx.store.insertToken(tokenRow(token, null, null, ctx.now()));
  return token;
}

export async function createPortalToken(
  ctx: Context,
  appId: string,
): Promise<{ token: string; expiresAt: number }> {
  const token = newTokenText("appsk");
  const expiresAt = ctx.now() + PORTAL_TOKEN_TTL_MS;
  await ctx.store.insertToken(tokenRow(token, appId, expiresAt, ctx.now()));
  return { token, expiresAt };
}

function tokenRow(token: string, appId: string | null, expiresAt: number | null, now: number): TokenRow {
  return { id: newId("tok", now), hash: hashToken(token), appId, expiresAt, createdAt: now };
}
