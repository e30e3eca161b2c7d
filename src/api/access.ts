import type { FastifyRequest } from "fastify";
import { requireApplication } from "../domain/applications.ts";
import type { Context } from "../domain/context.ts";
import { ForbiddenError, UnauthorizedError } from "../domain/errors.ts";
import type { Principal } from "../domain/tokens.ts";
import type { ApplicationRow } from "../store/types.ts";

declare module "fastify" {
  interface FastifyRequest {
    principal?: Principal;
  }
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new UnauthorizedError("Missing or invalid bearer token");
  return request.principal;
}

export function requireAdmin(request: FastifyRequest): void {
  if (principalOf(request).kind !== "admin")
    throw new ForbiddenError("This token only grants access to one application");
}

/** Loads the application in the path and checks that the caller's token reaches it. */
export async function authorizedApp(
  ctx: Context,
  request: FastifyRequest,
  idOrUid: string,
): Promise<ApplicationRow> {
  const principal = principalOf(request);
  const app = await requireApplication(ctx, idOrUid);
  if (principal.kind === "app" && principal.appId !== app.id) {
    throw new ForbiddenError("This token does not grant access to this application");
  }
  return app;
}
