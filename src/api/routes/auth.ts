import type { FastifyInstance } from "fastify";
import { createApplication, findApplication } from "../../domain/applications.ts";
import type { Context } from "../../domain/context.ts";
import { NotFoundError } from "../../domain/errors.ts";
import { createPortalToken, expireApplicationTokens, logout } from "../../domain/tokens.ts";
import { authorizedApp, principalOf, requireAdmin } from "../access.ts";
import { appIdPath, applicationTokenExpireIn, appPortalAccessIn } from "../schemas.ts";
import { parseInput } from "../validation.ts";

type AppParams = { app_id: string };

export function registerAuthRoutes(app: FastifyInstance, ctx: Context): void {
  app.post<{ Params: AppParams }>("/api/v1/auth/app-portal-access/:app_id", async (request) => {
    requireAdmin(request);
    const { application: newApp, ...options } = parseInput(appPortalAccessIn, request.body ?? {}, "body");
    let application = await findApplication(ctx, request.params.app_id);
    if (!application && newApp) {
      // As on Svix: the application is created (with the path value as its uid) when it does not exist yet.
      if (!newApp.uid) parseInput(appIdPath, request.params, "path");
      application = await createApplication(ctx, { ...newApp, uid: newApp.uid ?? request.params.app_id });
    }
    if (!application) throw new NotFoundError("Application");
    const { token, expiresAt } = await createPortalToken(ctx, application.id, options);
    return {
      token,
      url: `${ctx.config.publicUrl}/portal/#token=${encodeURIComponent(token)}`,
      expiry: new Date(expiresAt).toISOString(),
    };
  });

  app.post<{ Params: AppParams }>("/api/v1/auth/app/:app_id/expire-all", async (request, reply) => {
    requireAdmin(request);
    const application = await authorizedApp(ctx, request, request.params.app_id);
    const body = parseInput(applicationTokenExpireIn, request.body ?? {}, "body");
    await expireApplicationTokens(ctx, application.id, body.expiry, body.sessionIds);
    return reply.code(204).send();
  });

  app.post("/api/v1/auth/logout", async (request, reply) => {
    await logout(ctx, principalOf(request));
    return reply.code(204).send();
  });
}
