import type { FastifyInstance } from "fastify";
import {
  createApplication,
  findApplication,
  saveApplication,
  upsertApplication,
} from "../../domain/applications.ts";
import type { Context } from "../../domain/context.ts";
import { isOperationalApp } from "../../domain/operational-events.ts";
import { authorizedApp, requireAdmin } from "../access.ts";
import { toListResponse, toPageQuery } from "../pagination.ts";
import { appIdPath, applicationIn, applicationPatch, getIfExistsQuery, pageQuery } from "../schemas.ts";
import { applicationOut } from "../serialize.ts";
import { parseInput } from "../validation.ts";

type AppParams = { app_id: string };

function toInput<
  T extends { throttleRate?: number | null | undefined; rateLimit?: number | null | undefined },
>(body: T): Omit<T, "rateLimit"> {
  const { rateLimit, ...rest } = body;
  return { ...rest, throttleRate: body.throttleRate ?? rateLimit };
}

export function registerApplicationRoutes(app: FastifyInstance, ctx: Context): void {
  app.get("/api/v1/app", async (request) => {
    requireAdmin(request);
    const query = toPageQuery(parseInput(pageQuery, request.query, "query"), "asc");
    const page = await ctx.store.listApplications(query);
    // Iterators come from the whole page; the internal operational application is left out of the data.
    const list = toListResponse(
      page,
      query,
      (row) => row.id,
      (row) => row,
    );
    return { ...list, data: list.data.filter((row) => !isOperationalApp(row.id)).map(applicationOut) };
  });

  app.post("/api/v1/app", async (request, reply) => {
    requireAdmin(request);
    const body = parseInput(applicationIn, request.body, "body");
    const { get_if_exists } = parseInput(getIfExistsQuery, request.query, "query");
    if (get_if_exists && body.uid) {
      const existing = await findApplication(ctx, body.uid);
      if (existing) return reply.code(200).send(applicationOut(existing));
    }
    return reply.code(201).send(applicationOut(await createApplication(ctx, toInput(body))));
  });

  app.get<{ Params: AppParams }>("/api/v1/app/:app_id", async (request) =>
    applicationOut(await authorizedApp(ctx, request, request.params.app_id)),
  );

  app.put<{ Params: AppParams }>("/api/v1/app/:app_id", async (request, reply) => {
    // The application record is the operator's: a portal token never changes it (design.md, "Tenants").
    requireAdmin(request);
    const body = parseInput(applicationIn, request.body, "body");
    if (!(await findApplication(ctx, request.params.app_id))) parseInput(appIdPath, request.params, "path");
    parseInput(appIdPath, request.params, "path");
    const { app: row, created } = await upsertApplication(ctx, request.params.app_id, toInput(body));
    return reply.code(created ? 201 : 200).send(applicationOut(row));
  });

  app.patch<{ Params: AppParams }>("/api/v1/app/:app_id", async (request) => {
    requireAdmin(request);
    const existing = await authorizedApp(ctx, request, request.params.app_id);
    const body = parseInput(applicationPatch, request.body ?? {}, "body");
    return applicationOut(await saveApplication(ctx, existing, toInput(body)));
  });

  app.delete<{ Params: AppParams }>("/api/v1/app/:app_id", async (request, reply) => {
    requireAdmin(request);
    const existing = await authorizedApp(ctx, request, request.params.app_id);
    await ctx.store.deleteApplication(existing.id);
    return reply.code(204).send();
  });
}
