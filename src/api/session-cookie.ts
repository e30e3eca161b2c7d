import { createHmac, timingSafeEqual } from "node:crypto";
import type { FastifyRequest } from "fastify";
import type { Context } from "../domain/context.ts";
import { ForbiddenError } from "../domain/errors.ts";
import { hashToken, type Principal } from "../domain/tokens.ts";

export const SESSION_COOKIE = "outbound_session";
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** Browsers only send a custom header on same-origin requests (no CORS here): the dashboard's client always sets it. */
export const CSRF_HEADER = "x-outbound-csrf";

/**
 * The cookie holds `<expiry seconds>.<SHA-256 of the admin token>.<HMAC>`: nothing a reader could sign in with,
 * nothing a writer could forge without the data directory's key, and it stops working when the token it came from
 * is replaced or deleted. It is stateless so several API processes accept each other's sessions.
 */
function mac(ctx: Context, expires: number, tokenHash: string): string {
  return createHmac("sha256", ctx.linkKey).update(`session|${expires}|${tokenHash}`).digest("base64url");
}

export function sessionCookieValue(ctx: Context, token: string): { value: string; maxAgeSeconds: number } {
  const expires = Math.floor((ctx.now() + SESSION_TTL_MS) / 1000);
  const tokenHash = hashToken(token);
  return {
    value: `${expires}.${tokenHash}.${mac(ctx, expires, tokenHash)}`,
    maxAgeSeconds: SESSION_TTL_MS / 1000,
  };
}

export function sessionCookieHeader(ctx: Context, value: string, maxAgeSeconds: number): string {
  const secure = ctx.config.publicUrl.startsWith("https:") ? "; Secure" : "";
  return `${SESSION_COOKIE}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${secure}`;
}

function readCookie(header: string | undefined, name: string): string | null {
  for (const part of (header ?? "").split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return rest.join("=");
  }
  return null;
}

/** The admin principal a valid session cookie stands for, or null when the request carries none (or a stale one). */
async function verifySession(ctx: Context, value: string): Promise<Principal | null> {
  const [expiresText, tokenHash, signature] = value.split(".");
  if (!expiresText || !tokenHash || !signature || !/^\d+$/.test(expiresText)) return null;
  const expires = Number(expiresText);
  const expected = Buffer.from(mac(ctx, expires, tokenHash));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  if (expires * 1000 <= ctx.now()) return null;
  if (ctx.config.apiToken !== undefined) {
    return hashToken(ctx.config.apiToken) === tokenHash ? { kind: "admin", tokenId: null } : null;
  }
  const row = await ctx.store.findTokenByHash(tokenHash);
  const live = row !== null && row.appId === null && (row.expiresAt === null || row.expiresAt > ctx.now());
  return live ? { kind: "admin", tokenId: row.id } : null;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Refuses cross-site use of the cookie: SameSite=Strict already keeps other sites' requests cookie-less; on top, a
 * state-changing request must carry the custom header (which a cross-origin page cannot send without a CORS
 * preflight we never grant) and, when the browser names an Origin, come from this server's own origin.
 */
export function checkSameOrigin(request: FastifyRequest, publicOrigin: string): void {
  if (SAFE_METHODS.has(request.method)) return;
  if (request.headers[CSRF_HEADER] === undefined) {
    throw new ForbiddenError(`Cookie-authenticated requests must send the ${CSRF_HEADER} header`);
  }
  const origin = request.headers.origin;
  if (origin !== undefined && !sameSite(origin, request.host, publicOrigin)) {
    throw new ForbiddenError("Cross-origin request refused");
  }
}

/** This server's own origin: the host the browser talked to (a TLS proxy may change the scheme), or OUTBOUND_PUBLIC_URL. */
function sameSite(origin: string, host: string, publicOrigin: string): boolean {
  try {
    return new URL(origin).host === host || origin === publicOrigin;
  } catch {
    return false;
  }
}

/** Turns the dashboard's session cookie into the same Principal its bearer token would give. */
export async function sessionPrincipal(ctx: Context, request: FastifyRequest): Promise<Principal | null> {
  const value = readCookie(request.headers.cookie, SESSION_COOKIE);
  if (!value) return null;
  const principal = await verifySession(ctx, value);
  if (principal) checkSameOrigin(request, new URL(ctx.config.publicUrl).origin);
  return principal;
}
