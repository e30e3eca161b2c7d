import type { Readable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { type ImportRunner, startImport } from "../../directory/csv-import.ts";
import { createDistribution, distributionOut, requireDistribution } from "../../directory/distributions.ts";
import type { Context } from "../../domain/context.ts";
import { NotFoundError, ValidationError } from "../../domain/errors.ts";
import type { ImportRow } from "../../store/directory-types.ts";
import { authorizedApp } from "../access.ts";
import { distributionIn, importQuery } from "../directory-schemas.ts";
import { toListResponse, toPageQuery } from "../pagination.ts";
import { pageQuery } from "../schemas.ts";
import { parseInput } from "../validation.ts";

type AppParams = { app_id: string };
type IdParams = AppParams & { id: string };

function importOut(row: ImportRow) {
  return {
    id: row.id,
    state: row.state,
    rowsRead: row.rowsRead,
    created: row.created,
    updated: row.updated,
    unchanged: row.unchanged,
    failed: row.failed,
    errors: row.errors,
    message: row.message,
    options: row.options,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

/** CSV imports (background jobs) and external distributions. */
export function registerImportAndDistributionRoutes(
  app: FastifyInstance,
  ctx: Context,
  imports: ImportRunner,
): void {
  const base = "/api/v1/app/:app_id";

  // The CSV body is streamed to disk, never held in memory.
  app.addContentTypeParser(["text/csv", "application/csv"], (_request, payload, done) => done(null, payload));

  const csv = { config: { accepts: ["text/csv", "application/csv"] } };
  app.post<{ Params: AppParams }>(`${base}/participant/import`, csv, async (request, reply) => {
    const application = await authorizedApp(ctx, request, request.params.app_id);
    const options = parseInput(importQuery, request.query, "query");
    const contentType = request.headers["content-type"] ?? "";
    if (!/^(text|application)\/csv\b/.test(contentType)) {
      throw ValidationError.field(["header", "content-type"], "send the CSV with content-type text/csv");
    }
    const declared = request.headers["content-length"];
    const job = await startImport(
      ctx,
      imports,
      application,
      options,
      request.body as Readable,
      declared === undefined ? undefined : Number(declared),
    );
    return reply.code(202).send(importOut(job));
  });

  // Newest first; row errors only on the job itself (up to 1,000 each would make a page heavy).
  app.get<{ Params: AppParams }>(`${base}/participant/import`, async (request) => {
    const application = await authorizedApp(ctx, request, request.params.app_id);
    const query = toPageQuery(parseInput(pageQuery, request.query, "query"), "desc");
    const page = await ctx.store.listImports(application.id, query);
    return toListResponse(
      page,
      query,
      (row) => row.id,
      (row) => {
        const { errors: _errors, ...listed } = importOut(row);
        return listed;
      },
    );
  });

  app.get<{ Params: IdParams }>(`${base}/participant/import/:id`, async (request) => {
    const application = await authorizedApp(ctx, request, request.params.app_id);
    const row = await ctx.store.getImport(application.id, request.params.id);
    if (!row) throw new NotFoundError("Import");
    return importOut(row);
  });

  app.post<{ Params: AppParams }>(`${base}/distribution`, async (request, reply) => {
    const application = await authorizedApp(ctx, request, request.params.app_id);
    const row = await createDistribution(ctx, application, parseInput(distributionIn, request.body, "body"));
    return reply.code(201).send(await distributionOut(ctx, row));
  });

  app.get<{ Params: AppParams }>(`${base}/distribution`, async (request) => {
    const application = await authorizedApp(ctx, request, request.params.app_id);
    const page = toPageQuery(parseInput(pageQuery, request.query, "query"), "desc");
    const rows = await ctx.store.listDistributions(application.id, page);
    const data = await Promise.all(rows.items.map((row) => distributionOut(ctx, row)));
    return {
      data,
      iterator: rows.items.at(-1)?.id ?? null,
      prevIterator: rows.items[0] ? `-${rows.items[0].id}` : null,
      done: page.direction === "next" ? rows.done : false,
    };
  });

  app.get<{ Params: IdParams }>(`${base}/distribution/:id`, async (request) => {
    const application = await authorizedApp(ctx, request, request.params.app_id);
    return distributionOut(ctx, await requireDistribution(ctx, application.id, request.params.id));
  });

  // The external channel reports that the participant answered: Reminders skip them.
  app.post<{ Params: IdParams & { participant_id: string } }>(
    `${base}/distribution/:id/participant/:participant_id/responded`,
    async (request, reply) => {
      const application = await authorizedApp(ctx, request, request.params.app_id);
      const distribution = await requireDistribution(ctx, application.id, request.params.id);
      if (!(await ctx.store.markResponded(distribution.id, request.params.participant_id, ctx.now()))) {
        throw new NotFoundError("Recipient");
      }
      return reply.code(204).send();
    },
  );
}
