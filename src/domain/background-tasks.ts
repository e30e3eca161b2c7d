import { newId } from "../ids.ts";
import type {
  BackgroundTaskKind,
  BackgroundTaskRow,
  EndpointRow,
  MessageFilter,
  MessageRow,
  MessageStatus,
} from "../store/types.ts";
import { STATUS_FAIL } from "../store/types.ts";
import type { Context } from "./context.ts";
import { NotFoundError } from "./errors.ts";
import { newDelivery } from "./messages.ts";
import { endpointWantsMessage } from "./routing.ts";

/** Messages read per step; progress and the resume point are saved after each. */
const BATCH = 200;

export interface ReplayParams {
  since: number;
  until: number;
}

/** Svix's bulk replay: the endpoint's messages in a window that match the filters, failed ones by default. */
export interface BulkReplayParams extends ReplayParams {
  eventTypes?: string[];
  channel?: string;
  tag?: string;
  /** Which deliveries to replay; a success is re-sent only when asked for with status 0. */
  status: MessageStatus;
}

export interface TaskRunner {
  start(task: BackgroundTaskRow): void;
  resumeUnfinished(): Promise<void>;
  /** Resolves when every task started so far has stopped. */
  idle(): Promise<void>;
}

export async function requireBackgroundTask(ctx: Context, id: string): Promise<BackgroundTaskRow> {
  const task = await ctx.store.getBackgroundTask(id);
  if (!task) throw new NotFoundError("Background task");
  return task;
}

/**
 * Records a task. A running one is then handed to the runner (`runner.start`); work done inside the request
 * (recover, export) is recorded as finished with its result.
 */
export async function createBackgroundTask(
  ctx: Context,
  task: BackgroundTaskKind,
  scope: { appId: string | null; endpointId: string | null },
  params: Record<string, unknown>,
  result: { status: BackgroundTaskRow["status"]; data: Record<string, unknown> } = {
    status: "running",
    data: {},
  },
): Promise<BackgroundTaskRow> {
  const now = ctx.now();
  const row: BackgroundTaskRow = {
    id: newId("rtsk", now),
    ...scope,
    task,
    status: result.status,
    params,
    data: result.data,
    cursor: null,
    createdAt: now,
    updatedAt: now,
  };
  await ctx.store.insertBackgroundTask(row);
  return row;
}

/** Queues one delivery of `message` to `endpoint` again (or for the first time), due now, as a manual attempt. */
async function requeue(ctx: Context, message: MessageRow, endpoint: EndpointRow): Promise<void> {
  await ctx.store.requeueDelivery(newDelivery(message, endpoint.id, ctx.now(), 1));
}

/**
 * One step of replay-missing: messages the endpoint never got (no delivery, because it was disabled or did not
 * exist yet, or a delivery that failed) are queued; a success, or a delivery still pending, is left alone.
 */
async function replayMissingStep(
  ctx: Context,
  task: BackgroundTaskRow,
  endpoint: EndpointRow,
): Promise<{ cursor: string | null; queued: number; seen: number }> {
  const params = task.params as unknown as ReplayParams;
  const candidates = await ctx.store.listReplayCandidates(
    endpoint.appId,
    endpoint.id,
    { since: params.since, until: params.until, afterId: task.cursor },
    BATCH,
  );
  let queued = 0;
  for (const { message, status } of candidates) {
    if (message.payload === null) continue;
    const missing =
      status === STATUS_FAIL ||
      (status === null &&
        endpointWantsMessage(endpoint, {
          eventType: message.eventType,
          channels: message.channels,
          payload: JSON.parse(message.payload) as Record<string, unknown>,
        }));
    if (!missing) continue;
    await requeue(ctx, message, endpoint);
    queued += 1;
  }
  return { cursor: candidates.at(-1)?.message.id ?? null, queued, seen: candidates.length };
}

/** One step of bulk replay: the endpoint's deliveries in the window with the asked status and filters. */
async function bulkReplayStep(
  ctx: Context,
  task: BackgroundTaskRow,
  endpoint: EndpointRow,
): Promise<{ cursor: string | null; queued: number; seen: number }> {
  const params = task.params as unknown as BulkReplayParams;
  const filter: MessageFilter & { status: MessageStatus } = {
    after: params.since - 1,
    before: params.until,
    status: params.status,
    ...(params.eventTypes ? { eventTypes: params.eventTypes } : {}),
    ...(params.channel ? { channel: params.channel } : {}),
    ...(params.tag ? { tag: params.tag } : {}),
  };
  const page = await ctx.store.listEndpointMessages(endpoint.appId, endpoint.id, filter, {
    limit: BATCH,
    cursor: task.cursor,
    direction: "next",
    order: "asc",
  });
  let queued = 0;
  for (const { message } of page.items) {
    if (message.payload === null) continue;
    await requeue(ctx, message, endpoint);
    queued += 1;
  }
  return { cursor: page.items.at(-1)?.message.id ?? null, queued, seen: page.items.length };
}

/** Runs a replay task to the end, saving progress after every step so a restart resumes after the last one. */
async function runReplay(ctx: Context, initial: BackgroundTaskRow): Promise<void> {
  let task = initial;
  const endpoint =
    task.appId && task.endpointId ? await ctx.store.getEndpoint(task.appId, task.endpointId) : null;
  if (!endpoint) {
    await ctx.store.updateBackgroundTask({
      ...task,
      status: "failed",
      data: { ...task.data, error: "the endpoint no longer exists" },
      updatedAt: ctx.now(),
    });
    return;
  }
  const step = task.task === "endpoint.replay" ? replayMissingStep : bulkReplayStep;
  for (;;) {
    const { cursor, queued, seen } = await step(ctx, task, endpoint);
    const data = task.data as { messagesSeen?: number; messagesQueued?: number };
    task = {
      ...task,
      cursor: cursor ?? task.cursor,
      status: seen < BATCH ? "finished" : "running",
      data: {
        messagesSeen: (data.messagesSeen ?? 0) + seen,
        messagesQueued: (data.messagesQueued ?? 0) + queued,
      },
      updatedAt: ctx.now(),
    };
    await ctx.store.updateBackgroundTask(task);
    if (queued > 0) ctx.notifyWork();
    if (task.status === "finished") return;
  }
}

/** Runs replay tasks in the background, one promise per task; unfinished ones resume at start-up. */
export function createTaskRunner(ctx: Context): TaskRunner {
  const running = new Map<string, Promise<void>>();
  function start(task: BackgroundTaskRow) {
    if (running.has(task.id) || task.status !== "running") return;
    if (task.task !== "endpoint.replay" && task.task !== "endpoint.bulk-replay") return;
    const done = runReplay(ctx, task)
      .catch(async (error: unknown) => {
        ctx.logger.error({ err: error, taskId: task.id }, "background task failed");
        const latest = (await ctx.store.getBackgroundTask(task.id)) ?? task;
        await ctx.store.updateBackgroundTask({
          ...latest,
          status: "failed",
          data: { ...latest.data, error: "internal error" },
          updatedAt: ctx.now(),
        });
      })
      .finally(() => running.delete(task.id));
    running.set(task.id, done);
  }
  return {
    start,
    async resumeUnfinished() {
      let cursor: string | null = null;
      for (;;) {
        const page = await ctx.store.listBackgroundTasks(
          { status: "running" },
          { limit: 100, cursor, direction: "next", order: "asc" },
        );
        for (const task of page.items) start(task);
        const last = page.items.at(-1);
        if (page.done || !last) return;
        cursor = last.id;
      }
    },
    async idle() {
      await Promise.all(running.values());
    },
  };
}
