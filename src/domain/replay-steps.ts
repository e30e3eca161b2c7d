import type {
  BackgroundTaskRow,
  EndpointRow,
  MessageFilter,
  MessageRow,
  MessageStatus,
} from "../store/types.ts";
import { STATUS_FAIL } from "../store/types.ts";
import type { Context } from "./context.ts";
import { newDelivery } from "./messages.ts";
import { endpointWantsMessage } from "./routing.ts";

/** Messages read per step; progress and the resume point are saved after each. */
export const REPLAY_BATCH = 200;

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

/** Queues one delivery of `message` to `endpoint` again (or for the first time), due now, as a manual attempt. */
async function requeue(ctx: Context, message: MessageRow, endpoint: EndpointRow): Promise<void> {
  await ctx.store.requeueDelivery(newDelivery(message, endpoint.id, ctx.now(), 1));
}

/**
 * One step of replay-missing: messages the endpoint never got (no delivery, because it was disabled or did not
 * exist yet, or a delivery that failed) are queued; a success, or a delivery still pending, is left alone.
 */
export async function replayMissingStep(
  ctx: Context,
  task: BackgroundTaskRow,
  endpoint: EndpointRow,
): Promise<{ cursor: string | null; queued: number; seen: number }> {
  const params = task.params as unknown as ReplayParams;
  const candidates = await ctx.store.listReplayCandidates(
    endpoint.appId,
    endpoint.id,
    { since: params.since, until: params.until, afterId: task.cursor },
    REPLAY_BATCH,
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
export async function bulkReplayStep(
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
    limit: REPLAY_BATCH,
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

/** How a replay saves its progress and learns that it should stop (the runner's claim on the task). */
export interface ReplayControl {
  /** Saves the task's progress; false when this process no longer holds the task (another took it over). */
  save(task: BackgroundTaskRow): Promise<boolean>;
  /** True once the process is stopping: the replay ends after the step it is in. */
  stopping(): boolean;
}

/**
 * Runs a replay task, saving progress after every step so that whoever resumes it continues after the last one.
 * Ends when the task is finished, when the process stops, or when another process took the task over.
 */
export async function runReplay(
  ctx: Context,
  initial: BackgroundTaskRow,
  control: ReplayControl,
): Promise<void> {
  let task = initial;
  const endpoint =
    task.appId && task.endpointId ? await ctx.store.getEndpoint(task.appId, task.endpointId) : null;
  if (!endpoint) {
    await control.save({
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
      status: seen < REPLAY_BATCH ? "finished" : "running",
      data: {
        messagesSeen: (data.messagesSeen ?? 0) + seen,
        messagesQueued: (data.messagesQueued ?? 0) + queued,
      },
      updatedAt: ctx.now(),
    };
    const saved = await control.save(task);
    if (queued > 0) ctx.notifyWork();
    if (!saved) {
      ctx.logger.warn({ taskId: task.id }, "another process took this background task over; stopping here");
      return;
    }
    if (task.status === "finished" || control.stopping()) return;
  }
}
