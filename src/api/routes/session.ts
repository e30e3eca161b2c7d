import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { Context } from "../../domain/context.ts";
import { UnauthorizedError } from "../../domain/errors.ts";
import { authenticate } from "../../domain/tokens.ts";
import {
  checkSameOrigin,
  sessionCookieHeader,
  sessionCookieValue,
  sessionPrincipal,
} from "../session-cookie.ts";
import { parseInput } from "../validation.ts";

export const SIGN_IN_PATH = "/api/v1/session/sign-in";
export const SIGN_OUT_PATH = "/api/v1/session/sign-out";
export const SESSION_PATH = "/api/v1/session";
export const signInIn = z.strictObject({ token: z.string().min(1).max(4096) });

/**
 * The dashboard's sign-in: the operator types the API token once and gets an HttpOnly, SameSite=Strict cookie, so
 * the token is never kept where page scripts can read it. Portal tokens cannot sign in here.
 */
export function registerSessionRoutes(app: FastifyInstance, ctx: Context): void {
  app.post(SIGN_IN_PATH, async (request, reply) => {
    checkSameOrigin(request, new URL(ctx.config.publicUrl).origin);
    const { token } = parseInput(signInIn, request.body, "body");
    const principal = await authenticate(ctx, token);
    if (principal?.kind !== "admin") throw new UnauthorizedError("This is not an operator API token");
    const { value, maxAgeSeconds } = sessionCookieValue(ctx, token);
    return reply
      .header("set-cookie", sessionCookieHeader(ctx, value, maxAgeSeconds))
      .code(204)
      .send();
  });

  // Who the caller is (no auth needed to ask): the portal learns its application from its token here, and the
  // dashboard learns whether to show sign-in, without a 401 in the browser console.
  app.get(SESSION_PATH, async (request) => {
    const match = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? "");
    const principal = match?.[1]
      ? await authenticate(ctx, match[1].trim())
      : await sessionPrincipal(ctx, request);
    if (!principal) return { kind: null };
    return principal.kind === "admin"
      ? { kind: "admin" }
      : { kind: "app", appId: principal.appId, readOnly: principal.readOnly };
  });

  // Signing out only needs the cookie gone; it answers 204 even when the session had already expired.
  app.post(SIGN_OUT_PATH, async (request, reply) => {
    checkSameOrigin(request, new URL(ctx.config.publicUrl).origin);
    return reply
      .header("set-cookie", sessionCookieHeader(ctx, "", 0))
      .code(204)
      .send();
  });
}
