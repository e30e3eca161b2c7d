import { randomBytes } from "node:crypto";
import { newId } from "../ids.ts";
import type { BackgroundTaskKind, BackgroundTaskRow } from "../store/types.ts";
import type { Context } from "./context.ts";
import { NotFoundError } from "./errors.ts";
import { runReplay } from "./replay-steps.ts";

/** Tasks claimable per look (at start, then every housekeeping round): more wait for the next round. */
const CLAIM_BATCH = 100;

export interface TaskRunner {
  /** Runs a task this process has just recorded, unless another process took it first. */
  start(task: BackgroundTaskRow): void;
  /**
   * Takes over running tasks that nobody holds or whose holder stopped renewing its heartbeat for a lease (its
   * process died), and runs them; called at start and by housekeeping. Resolves to how many it took.
   */
  resumeAbandoned(): Promise<number>;
  /** Stops every task after the step it is in and gives its claim back; resolves once all have stopped. */
  stop(): Promise<void>;
  /** Resolves when every task started so far has stopped. */
  idle(): Promise<void>;
}

export interface TaskRunnerOptions {
  /** This process's name on its claims; unique per process. */
  owner?: string;
  /** A claim not renewed for this long belongs to a dead process. Default: OUTBOUND_LEASE. */
  leaseMs?: number;
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

function isReplay(task: BackgroundTaskRow): boolean {
  return task.task === "endpoint.replay" || task.task === "endpoint.bulk-replay";
}

/**
 * Runs replay tasks in the background, one promise per task. A task runs only in the process that claimed it
 * (compare-and-set on the row); that process renews the claim's heartbeat every third of a lease while it works,
 * so other processes leave it alone, and take it over only once the heartbeat is a lease old.
 */
export function createTaskRunner(ctx: Context, options: TaskRunnerOptions = {}): TaskRunner {
  const owner = options.owner ?? `tasks:${randomBytes(6).toString("hex")}`;
  const leaseMs = options.leaseMs ?? ctx.config.leaseMs;
  const running = new Map<string, Promise<void>>();
  let stopping = false;

  async function run(task: BackgroundTaskRow): Promise<void> {
    let held = true;
    const heartbeat = setInterval(
      () => {
        ctx.store.renewBackgroundTaskClaim(task.id, owner, ctx.now()).then(
          (renewed) => {
            // Not renewed: finished meanwhile (the loop ends anyway), or taken over after a long stall.
            if (!renewed) held = false;
          },
          (error: unknown) =>
            ctx.logger.warn({ err: error, taskId: task.id }, "renewing a task claim failed"),
        );
      },
      Math.max(1, Math.floor(leaseMs / 3)),
    );
    heartbeat.unref();
    try {
      await runReplay(ctx, task, {
        save: async (row) => held && (await ctx.store.updateBackgroundTask(row, owner)),
        stopping: () => stopping,
      });
    } catch (error) {
      ctx.logger.error({ err: error, taskId: task.id }, "background task failed");
      const latest = (await ctx.store.getBackgroundTask(task.id)) ?? task;
      await ctx.store.updateBackgroundTask(
        {
          ...latest,
          status: "failed",
          data: { ...latest.data, error: "internal error" },
          updatedAt: ctx.now(),
        },
        owner,
      );
    } finally {
      clearInterval(heartbeat);
    }
    // A clean stop: the next process to look (this one restarted, or another) continues at once.
    if (stopping) await ctx.store.releaseBackgroundTaskClaim(task.id, owner);
  }

  /** Claims the task and runs it; resolves to whether this process got it (the run goes on in the background). */
  function claimAndRun(id: string): Promise<boolean> {
    let claimed: (took: boolean) => void = () => {};
    const took = new Promise<boolean>((resolve) => {
      claimed = resolve;
    });
    const done = (async () => {
      const now = ctx.now();
      const task = await ctx.store.claimBackgroundTask(id, owner, now, now - leaseMs);
      claimed(task !== null);
      if (task) await run(task);
    })()
      .catch((error: unknown) => {
        claimed(false);
        ctx.logger.error({ err: error, taskId: id }, "running a background task failed");
      })
      .finally(() => running.delete(id));
    // Set before the claim's first await: a second look in this process skips the task instead of claiming it.
    running.set(id, done);
    return took;
  }

  return {
    start(task) {
      if (stopping || running.has(task.id) || task.status !== "running" || !isReplay(task)) return;
      void claimAndRun(task.id);
    },
    async resumeAbandoned() {
      if (stopping) return 0;
      const now = ctx.now();
      const candidates = await ctx.store.listClaimableBackgroundTasks(now - leaseMs, CLAIM_BATCH);
      let taken = 0;
      for (const task of candidates) {
        if (stopping || running.has(task.id) || !isReplay(task)) continue;
        if (!(await claimAndRun(task.id))) continue;
        taken += 1;
        ctx.logger.info({ taskId: task.id, task: task.task, owner }, "resuming a background task");
      }
      return taken;
    },
    async stop() {
      stopping = true;
      await Promise.all(running.values());
    },
    async idle() {
      await Promise.all(running.values());
    },
  };
}
