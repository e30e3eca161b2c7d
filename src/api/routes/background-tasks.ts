import type { FastifyInstance } from "fastify";
import {
  createBackgroundTask,
  requireBackgroundTask,
  type TaskRunner,
} from "../../domain/background-tasks.ts";
import type { Context } from "../../domain/context.ts";
import { requireEndpoint } from "../../domain/endpoints.ts";
import { ValidationError } from "../../domain/errors.ts";
import { recoverEndpoint } from "../../domain/messages.ts";
import { STATUS_FAIL } from "../../store/types.ts";
import { authorizedApp, requireAdmin } from "../access.ts";
import { toListResponse, toPageQuery } from "../pagination.ts";
import { backgroundTaskListQuery, bulkReplayIn, recoverIn, replayIn } from "../schemas.ts";
import { backgroundTaskOut } from "../serialize.ts";
import { parseInput } from "../validation.ts";

type EndpointParams = { app_id: string; endpoint_id: string };
type TaskParams = { task_id: string };

function window(
  since: number,
  until: number | null | undefined,
  now: number,
): { since: number; until: number } {
  const end = until ?? now + 1;
  if (end <= since) throw ValidationError.field(["body", "until"], "must be after since");
  return { since, until: end };
}

export function registerBackgroundTaskRoutes(app: FastifyInstance, ctx: Context, runner: TaskRunner): void {
  const one = "/api/v1/app/:app_id/endpoint/:endpoint_id";
  async function load(request: Parameters<typeof authorizedApp>[1] & { params: EndpointParams }) {
    const application = await authorizedApp(ctx, request, request.params.app_id);
    return requireEndpoint(ctx, application.id, request.params.endpoint_id);
  }

  app.post<{ Params: EndpointParams }>(`${one}/recover`, async (request, reply) => {
    const endpoint = await load(request);
    const body = parseInput(recoverIn, request.body, "body");
    const { since, until } = window(body.since, body.until, ctx.now());
    // One statement re-queues every failed delivery in the window: the task is finished when it is recorded.
    const recovered = await recoverEndpoint(ctx, endpoint, since, until);
    const task = await createBackgroundTask(
      ctx,
      "endpoint.recover",
      { appId: endpoint.appId, endpointId: endpoint.id },
      { since, until },
      { status: "finished", data: { messagesQueued: recovered } },
    );
    return reply.code(202).send(backgroundTaskOut(task));
  });

  app.post<{ Params: EndpointParams }>(`${one}/replay-missing`, async (request, reply) => {
    const endpoint = await load(request);
    const body = parseInput(replayIn, request.body, "body");
    const task = await createBackgroundTask(
      ctx,
      "endpoint.replay",
      { appId: endpoint.appId, endpointId: endpoint.id },
      { ...window(body.since, body.until, ctx.now()) },
    );
    runner.start(task);
    return reply.code(202).send(backgroundTaskOut(task));
  });

  app.post<{ Params: EndpointParams }>(`${one}/bulk-replay`, async (request, reply) => {
    const endpoint = await load(request);
    const body = parseInput(bulkReplayIn, request.body, "body");
    const task = await createBackgroundTask(
      ctx,
      "endpoint.bulk-replay",
      { appId: endpoint.appId, endpointId: endpoint.id },
      {
        ...window(body.since, body.until, ctx.now()),
        status: body.status ?? STATUS_FAIL,
        ...(body.eventTypes ? { eventTypes: body.eventTypes } : {}),
        ...(body.channel ? { channel: body.channel } : {}),
        ...(body.tag ? { tag: body.tag } : {}),
      },
    );
    runner.start(task);
    return reply.code(202).send(backgroundTaskOut(task));
  });

  app.get("/api/v1/background-task", async (request) => {
    requireAdmin(request);
    const query = parseInput(backgroundTaskListQuery, request.query, "query");
    const page = toPageQuery(query, "desc");
    const rows = await ctx.store.listBackgroundTasks({ status: query.status, task: query.task }, page);
    return toListResponse(rows, page, (row) => row.id, backgroundTaskOut);
  });

  app.get<{ Params: TaskParams }>("/api/v1/background-task/:task_id", async (request) => {
    requireAdmin(request);
    return backgroundTaskOut(await requireBackgroundTask(ctx, request.params.task_id));
  });
}
