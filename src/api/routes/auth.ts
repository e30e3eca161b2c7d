import type { FastifyInstance } from "fastify";
import type { Context } from "../../domain/context.ts";
import { createPortalToken } from "../../domain/tokens.ts";
import { authorizedApp, requireAdmin } from "../access.ts";
import { appPortalAccessIn } from "../schemas.ts";
import { parseInput } from "../validation.ts";

type AppParams = { app_id: string };

export function registerAuthRoutes(app: FastifyInstance, ctx: Context): void {
  app.post<{ Params: AppParams }>("/api/v1/auth/app-portal-access/:app_id", async (request) => {
    requireAdmin(request);
    parseInput(appPortalAccessIn, request.body ?? {}, "body");
    const application = await authorizedApp(ctx, request, request.params.app_id);
    const { token, expiresAt } = await createPortalToken(ctx, application.id);
    return {
      token,
      url: `${ctx.config.publicUrl}/portal/#token=${encodeURIComponent(token)}`,
      expiry: new Date(expiresAt).toISOString(),
    };
  });

  app.post("/api/v1/auth/logout", async (_request, reply) => reply.code(204).send());
}
