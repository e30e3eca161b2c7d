import { hash, randomBytes, timingSafeEqual } from "node:crypto";
import { newId } from "../ids.ts";
import type { TokenRow } from "../store/types.ts";
import type { Context } from "./context.ts";
import { ForbiddenError } from "./errors.ts";

export const PORTAL_TOKEN_TTL_MS = 7 * 24 * 60 * 60 * 1000;

// One-shot `hash` to hex rather than `createHash`: no Hash object, no native Buffer per call (about 4× cheaper;
// hashing was 3 % of ingest CPU).
export function hashToken(token: string): string {
  return hash("sha256", token, "hex");
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

/**
 * Configured tokens (OUTBOUND_API_TOKEN) that a request has presented: the operator's next request skips the hash
 * and the constant-time compare (hashing had been ~1.5 % of ingest CPU). Safe to look up with a Map: it hashes the
 * whole presented text and compares text only when the hashes are equal, so unlike `===` it reveals no prefix. Only
 * the configured token is kept (it is in memory anyway), never a stored token, whose row can be revoked.
 */
const verifiedConfigured = new Map<string, string>();
const MAX_VERIFIED = 16;

function rememberConfigured(configured: string): void {
  if (verifiedConfigured.size >= MAX_VERIFIED) verifiedConfigured.clear();
  verifiedConfigured.set(configured, configured);
}

/**
 * The operator, when `token` is the configured token and was presented before; otherwise null, and `authenticate`
 * decides. Synchronous, so that the operator's requests need no promise to be authenticated.
 */
export function knownOperator(ctx: Context, token: string): Principal | null {
  const configured = ctx.config.apiToken;
  return configured !== undefined && verifiedConfigured.get(token) === configured
    ? { kind: "admin", tokenId: null }
    : null;
}

/** Who a token speaks for. A read-only portal token (`readOnly`) may only read (and log itself out). */
export type Principal =
  | { kind: "admin"; tokenId: string | null }
  | { kind: "app"; appId: string; tokenId: string; readOnly: boolean; featureFlags: string[] };

/**
 * Looks a bearer token up. The configured OUTBOUND_API_TOKEN is compared in constant time; stored tokens
 * are found by their SHA-256 hash (the hash lookup reveals nothing usable about the token).
 */
export async function authenticate(ctx: Context, token: string): Promise<Principal | null> {
  const known = knownOperator(ctx, token);
  if (known) return known;
  const configured = ctx.config.apiToken;
  // Hashed once: compared with the configured token's hash, then used to look stored tokens up.
  const hashed = hashToken(token);
  if (configured !== undefined && timingSafeEqual(configuredHash(configured), Buffer.from(hashed))) {
    rememberConfigured(configured);
    return { kind: "admin", tokenId: null };
  }
  const row = await ctx.store.findTokenByHash(hashed);
  if (!row) return null;
  if (row.expiresAt !== null && row.expiresAt <= ctx.now()) return null;
  if (row.appId === null) return configured === undefined ? { kind: "admin", tokenId: row.id } : null;
  return {
    kind: "app",
    appId: row.appId,
    tokenId: row.id,
    readOnly: row.readOnly,
    featureFlags: row.featureFlags,
  };
}

const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** A read-only portal token may read, and log itself out; every other request is a write it may not make. */
export function refusesWrite(principal: Principal, method: string, path: string): boolean {
  if (principal.kind !== "app" || !principal.readOnly) return false;
  return !READ_METHODS.has(method.toUpperCase()) && path !== "/api/v1/auth/logout";
}

/** On first start without OUTBOUND_API_TOKEN: make an admin token, store only its hash, return it to print once. */
export async function ensureAdminToken(ctx: Context): Promise<string | null> {
  if (ctx.config.apiToken !== undefined) return null;
  if ((await ctx.store.countAdminTokens()) > 0) return null;
  const token = newTokenText("obk");
  await ctx.store.insertToken(tokenRow(token, null, null, ctx.now(), {}));
  return token;
}

export interface PortalTokenOptions {
  /** Seconds the token is valid (Svix: 1 hour to 7 days, default 7 days). */
  expiry?: number | null;
  readOnly?: boolean | null;
  featureFlags?: string[];
  sessionId?: string | null;
}

export async function createPortalToken(
  ctx: Context,
  appId: string,
  options: PortalTokenOptions = {},
): Promise<{ token: string; expiresAt: number }> {
  const token = newTokenText("appsk");
  const now = ctx.now();
  const expiresAt = now + (options.expiry ? options.expiry * 1000 : PORTAL_TOKEN_TTL_MS);
  await ctx.store.insertToken(tokenRow(token, appId, expiresAt, now, options));
  return { token, expiresAt };
}

/** Logout: the token in use stops working at once. Only app-portal tokens can log out (as on Svix). */
export async function logout(ctx: Context, principal: Principal): Promise<void> {
  if (principal.kind !== "app") {
    throw new ForbiddenError("Only application portal tokens can be logged out");
  }
  await ctx.store.deleteToken(principal.tokenId);
}

/**
 * Svix's expire-all: the application's portal tokens (of `sessionIds` only, if any are given) expire in
 * `expirySeconds` (default at once).
 */
export async function expireApplicationTokens(
  ctx: Context,
  appId: string,
  expirySeconds: number | null | undefined,
  sessionIds: string[] | undefined,
): Promise<number> {
  const expiresAt = ctx.now() + (expirySeconds ?? 0) * 1000;
  return ctx.store.expireApplicationTokens(
    appId,
    expiresAt,
    sessionIds && sessionIds.length > 0 ? sessionIds : null,
  );
}

function tokenRow(
  token: string,
  appId: string | null,
  expiresAt: number | null,
  now: number,
  options: PortalTokenOptions,
): TokenRow {
  return {
    id: newId("tok", now),
    hash: hashToken(token),
    appId,
    expiresAt,
    createdAt: now,
    readOnly: options.readOnly ?? false,
    featureFlags: options.featureFlags ?? [],
    sessionId: options.sessionId ?? null,
  };
}
