import type { IncomingHttpHeaders } from "node:http";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { requireApplication } from "../domain/applications.ts";
import type { Context } from "../domain/context.ts";
import { ForbiddenError, NotFoundError, UnauthorizedError } from "../domain/errors.ts";
import { authenticate, hashToken, knownOperator, type Principal, refusesWrite } from "../domain/tokens.ts";
import type { ApplicationRow } from "../store/types.ts";
import { type Access, routeAccess } from "./access-policy.ts";
import { createAuthFailureTracker } from "./auth-failures.ts";
import { sessionPrincipal } from "./session-cookie.ts";

declare module "fastify" {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** The bearer token of a request, if it carries one. */
export function bearerToken(request: { headers: IncomingHttpHeaders }): string | null {
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1] ?? null;
}

/**
 * Authenticates and authorizes every request in `onRequest`: after routing, before the body is read, so an
 * unauthenticated or foreign caller never costs a body parse. The rule comes from the matched route
 * (`access-policy.ts`); a portal token naming another application's id gets exactly what an unknown id gets.
 */
export function registerAccessControl(app: FastifyInstance, ctx: Context): void {
  const failures = createAuthFailureTracker({ threshold: 20, windowMs: 60_000 });
  // Callback style: the operator's known token (nearly every request at load) is let through without a promise.
  app.addHook("onRequest", (request, _reply, done) => {
    const pattern = request.routeOptions.url;
    if (pattern === undefined) return done(); // no route: the not-found handler answers
    const access = routeAccess(request.method, pattern);
    if (access === "public") return done();
    const token = bearerToken(request);
    const operator = token ? knownOperator(ctx, token) : null;
    if (operator) {
      request.principal = operator;
      return done();
    }
    checkAccess(request, pattern, access, token).then(() => done(), done);
  });

  async function checkAccess(
    request: FastifyRequest,
    pattern: string,
    access: Access,
    token: string | null,
  ): Promise<void> {
    const principal = token ? await authenticate(ctx, token) : await sessionPrincipal(ctx, request);
    if (!principal) {
      if (failures.record(request.ip, ctx.now())) {
        ctx.logger.warn({ ip: request.ip, route: pattern }, "repeated authentication failures");
      }
      throw new UnauthorizedError("Missing or invalid bearer token");
    }
    request.principal = principal;
    if (principal.kind === "admin") return;
    if (access === "admin") throw new ForbiddenError("This token only grants access to one application");
    ctx.quotas.takePortalRequest(hashToken(token ?? ""), ctx.now());
    const reads = request.method === "GET" || request.method === "HEAD";
    if ((!reads && access === "tenant-read") || refusesWrite(principal, request.method, pattern)) {
      throw new ForbiddenError("This token is read-only");
    }
    const appParam = (request.params as { app_id?: string }).app_id;
    if (appParam !== undefined) await tenantApplication(ctx, principal, appParam);
  }
}

/** The application `idOrUid` as `principal` may reach it: another tenant's is "not found". */
export async function tenantApplication(
  ctx: Context,
  principal: Principal,
  idOrUid: string,
): Promise<ApplicationRow> {
  const app = await requireApplication(ctx, idOrUid);
  // Another tenant's application answers exactly as one that does not exist.
  if (principal.kind === "app" && principal.appId !== app.id) throw new NotFoundError("Application");
  return app;
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new UnauthorizedError("Missing or invalid bearer token");
  return request.principal;
}

export function requireAdmin(request: FastifyRequest): void {
  requireAdminPrincipal(principalOf(request));
}

export function requireAdminPrincipal(principal: Principal): void {
  if (principal.kind !== "admin")
    throw new ForbiddenError("This token only grants access to one application");
}

/** Loads the application in the path and checks that the caller's token reaches it. */
export async function authorizedApp(
  ctx: Context,
  request: FastifyRequest,
  idOrUid: string,
): Promise<ApplicationRow> {
  return tenantApplication(ctx, principalOf(request), idOrUid);
}
