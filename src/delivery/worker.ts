import { setTimeout as delay } from "node:timers/promises";
import type { Logger } from "pino";
import type { SecretBox } from "../secret-box.ts";
import type { Store } from "../store/store.ts";
import type {
  AttemptRow,
  ClaimedDelivery,
  DeliveryOutcome,
  MessageStatus,
  SentRequest,
} from "../store/types.ts";
import { STATUS_CANCELED, STATUS_FAIL, STATUS_PENDING, STATUS_SUCCESS } from "../store/types.ts";
import { attemptRow, createAttemptPreparer } from "./attempt-preparation.ts";
import { AttemptStop, type StopSignal } from "./attempt-stop.ts";
import { CIRCUIT_THRESHOLD, circuitPolicy, cooldownFor } from "./circuit-breaker.ts";
import { decideOutcome } from "./decide-outcome.ts";
import type { HttpSender, SendResult } from "./http-sender.ts";
import { createTransformationRunner } from "./transformation-thread.ts";

export interface WorkerOptions {
  store: Store;
  sender: HttpSender;
  secrets: SecretBox;
  logger: Logger;
  retryScheduleMs: number[];
  requestTimeoutMs: number;
  concurrency: number;
  endpointConcurrency: number;
  /** How long a claim stays with this process; must exceed the request timeout (config checks it). */
  leaseMs: number;
  /** This process's id on its claims (unique per process start). */
  owner: string;
  userAgent: string;
  now?: () => number;
  /** Called once per endpoint the worker disabled (410 Gone or the 5-day rule). */
  onEndpointDisabled?: (attempt: AttemptRow) => void;
  /** The W3C `traceparent` of an attempt about to be sent to an endpoint that opted in (traces on), if any. */
  traceparentFor?: (msgId: string, endpointId: string) => string | undefined;
  /** Called with every batch of outcomes once it is recorded (operational message.attempt.* events). */
  onOutcomesRecorded?: (outcomes: DeliveryOutcome[]) => void;
}

export interface Worker {
  /** The id on this worker's leases. */
  readonly owner: string;
  start(): void;
  /**
   * Deliveries leased to this worker's owner when their message was inserted (`InsertClaim`): sent at once, without
   * reading them back. After stop() they are handed back, due now.
   */
  adopt(claims: ClaimedDelivery[]): void;
  /** Wake the loop: new work may be due now. */
  notify(): void;
  /**
   * Stop claiming, let attempts in flight finish for `graceMs`, then abort the rest: each is recorded as an
   * interrupted attempt and its delivery stays pending, due at once. Resolves once every result is written.
   */
  stop(graceMs: number): Promise<void>;
}

const BATCH_SIZE = 64;
/** Outcomes are written in batches: one transaction per OUTCOME_BATCH results or FLUSH_EVERY_MS. */
const OUTCOME_BATCH = 256;
const FLUSH_EVERY_MS = 10;
const IDLE_POLL_MS = 1000;
const RATE_LIMIT_HORIZON_MS = 5_000;
/**
 * When work is due but nothing can be claimed (endpoints at their cap, open circuits), claim again once a batch of
 * outcomes is recorded (slots were freed) or after this long, not on every new message.
 */
const STARVED_BACKOFF_MS = 50;
/** After the abort, how long attempts get to notice it; they settle at once unless something is wrong. */
const ABORT_SETTLE_MS = 1_000;

/** Resolves when `promise` settles or `ms` pass, whichever comes first. */
async function untilOrAfter(promise: Promise<unknown>, ms: number): Promise<void> {
  const timeout = new AbortController();
  await Promise.race([promise, delay(ms, undefined, { signal: timeout.signal }).catch(() => {})]);
  timeout.abort();
}

/** Hands deliveries leased to `owner` back, due now: their worker is gone or stopping. */
export function handBack(
  store: Pick<Store, "releaseDeliveries">,
  claims: readonly ClaimedDelivery[],
  owner: string,
  logger: Logger,
  now: number = Date.now(),
): void {
  const keys = claims.map((item) => ({ msgId: item.message.id, endpointId: item.endpoint.id }));
  void store
    .releaseDeliveries(keys, now, owner)
    .catch((error: unknown) => logger.error({ err: error }, "handing back leased deliveries failed"));
}

export function createWorker(options: WorkerOptions): Worker {
  const { store, sender, logger } = options;
  const now = options.now ?? Date.now;
  const { leaseMs, owner } = options;
  // A claimed delivery waits for its rate-limit slot at most this long, then sends within the request timeout:
  // together well inside the lease, so no other process takes it over meanwhile.
  const rateHorizonMs = Math.max(
    0,
    Math.min(RATE_LIMIT_HORIZON_MS, (leaseMs - options.requestTimeoutMs) / 2),
  );
  const inFlightByEndpoint = new Map<string, number>();
  /** Endpoints in flight whose cap is below the default: a half-open circuit allows one probe. */
  const reducedCap = new Map<string, number>();
  /** Every attempt in flight, with the controller that aborts it at shutdown and the promise of its end. */
  const inFlight = new Map<ClaimedDelivery, { stop: AttemptStop; done: Promise<void> }>();
  /** False once stop() has written its last results: anything later is dropped, never recorded. */
  let recording = true;
  const circuit = circuitPolicy(cooldownFor(options.retryScheduleMs));
  const transformations = createTransformationRunner();
  const { prepare } = createAttemptPreparer({
    secrets: options.secrets,
    userAgent: options.userAgent,
    now,
    transformations,
    getApplication: (appId) => store.getApplication(appId),
    ...(options.traceparentFor ? { traceparentFor: options.traceparentFor } : {}),
  });
  let pending: DeliveryOutcome[] = [];
  let flushing: Promise<void> = Promise.resolve();
  let flushTimer: NodeJS.Timeout | undefined;
  let flushSoon: NodeJS.Immediate | undefined;
  let running = false;
  let wake: (() => void) | undefined;
  let wakeRequested = false;
  let loopDone: Promise<void> = Promise.resolve();
  /** The loop sleeps because every slot is taken: recorded outcomes freed some. */
  let waitingForSlots = false;

  function notify() {
    wakeRequested = true;
    wake?.();
  }

  /** Ends a starved wait: outcomes were recorded, so endpoints at their cap have free slots again. */
  let endStarvedWait: (() => void) | undefined;
  /**
   * The loop waits for slots: due work cannot be claimed (endpoints at their cap, circuits, rate limits). A claim
   * counts a slot as taken until its outcome is in the database, so any recorded batch ends the wait (a claim no
   * longer reads the queues of endpoints that cannot take more: claiming again is cheap). The endpoints this process
   * counts as at their cap are not enough to wait for: an endpoint whose finished attempts are not recorded yet is
   * below its cap here and full in the database, and waiting only for the others' outcomes timed out instead.
   */
  let starved = false;
  function starvedWait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        endStarvedWait = undefined;
        resolve();
      }
      endStarvedWait = done;
    });
  }

  function sleep(ms: number): Promise<void> {
    if (wakeRequested) {
      wakeRequested = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        wakeRequested = false;
        resolve();
      }
      wake = done;
    });
  }

  function flush(): Promise<void> {
    if (flushTimer) {
      clearTimeout(flushTimer);
      flushTimer = undefined;
    }
    if (flushSoon) {
      clearImmediate(flushSoon);
      flushSoon = undefined;
    }
    const batch = pending;
    pending = [];
    if (batch.length === 0) return flushing;
    flushing = flushing
      .then(() => store.recordOutcomes(batch, { now: now(), owner, circuit }))
      .then((disabled) => {
        // Logged once per endpoint, by whichever outcome actually disabled it.
        for (const attempt of disabled) {
          logger.warn(
            {
              event: "endpoint.disabled",
              appId: attempt.appId,
              endpointId: attempt.endpointId,
              statusCode: attempt.responseStatusCode,
            },
            "endpoint disabled",
          );
          options.onEndpointDisabled?.(attempt);
        }
        options.onOutcomesRecorded?.(batch);
        // A retry may be due sooner than the loop planned to look, or it waits for slots these attempts freed. Else
        // nothing new is due: deliveries leased at insert arrive by adopt(), and new pending ones notify.
        if (waitingForSlots || batch.some((o) => o.status === STATUS_PENDING)) notify();
        endStarvedWait?.();
      })
      .catch((error: unknown) => logger.error({ err: error }, "recording delivery outcomes failed"));
    return flushing;
  }

  function queueOutcome(outcome: DeliveryOutcome) {
    if (!recording) {
      // The delivery was handed back at shutdown; recording this too could log a success for a re-sent delivery.
      logger.warn({ msgId: outcome.attempt.msgId }, "attempt finished after shutdown; not recorded");
      return;
    }
    pending.push(outcome);
    if (pending.length >= OUTCOME_BATCH) void flush();
    // The loop waits for slots, and a slot counts as free only once its outcome is in the database: record it at
    // the end of this turn instead of after FLUSH_EVERY_MS (the outcomes of this turn still share one transaction).
    // With every endpoint at its cap (a queued backlog) this is what paces the drain.
    else if (starved) flushSoon ??= setImmediate(() => void flush());
    else flushTimer ??= setTimeout(() => void flush(), FLUSH_EVERY_MS);
  }

  async function process(claimed: ClaimedDelivery, stop: StopSignal): Promise<void> {
    const endpointId = claimed.endpoint.id;
    try {
      const preparing = prepare(claimed, stop);
      const prepared = preparing instanceof Promise ? await preparing : preparing;
      let result: SendResult;
      let sent: SentRequest | null = null;
      let canceled = false;
      if ("skipped" in prepared) {
        result = prepared.skipped;
        canceled = prepared.canceled;
      } else {
        result = await sender.send(prepared.request, stop);
        sent = prepared.logged;
      }
      const at = now();
      // Nothing to retry for a disabled endpoint or an expunged payload: the delivery fails at once.
      const hopeless = claimed.endpoint.disabled || claimed.message.payload === null;
      const decision = canceled
        ? { status: STATUS_CANCELED as MessageStatus, dueAt: null, endpointEffect: "none" as const }
        : hopeless
          ? { status: STATUS_FAIL as MessageStatus, dueAt: null, endpointEffect: "failure" as const }
          : decideOutcome(claimed, result, options.retryScheduleMs, at);
      const attemptStatus =
        decision.status === STATUS_SUCCESS || decision.status === STATUS_CANCELED
          ? decision.status
          : STATUS_FAIL;
      queueOutcome({
        attempt: attemptRow(claimed, result, sent, attemptStatus, at),
        status: decision.status,
        dueAt: decision.dueAt,
        endpointEffect: decision.endpointEffect,
        attemptNumber: claimed.delivery.attempts + 1,
      });
    } catch (error) {
      // The lease expires and another claim retries it; nothing is lost.
      logger.error({ err: error, msgId: claimed.message.id, endpointId }, "delivery attempt crashed");
    } finally {
      inFlight.delete(claimed);
      const count = (inFlightByEndpoint.get(endpointId) ?? 1) - 1;
      if (count <= 0) {
        inFlightByEndpoint.delete(endpointId);
        reducedCap.delete(endpointId);
      } else inFlightByEndpoint.set(endpointId, count);
    }
  }

  /** Starts an attempt of a delivery leased to this worker. */
  function begin(item: ClaimedDelivery): void {
    inFlightByEndpoint.set(item.endpoint.id, (inFlightByEndpoint.get(item.endpoint.id) ?? 0) + 1);
    if (item.endpoint.health.consecutiveFailures >= CIRCUIT_THRESHOLD) reducedCap.set(item.endpoint.id, 1);
    const stop = new AttemptStop();
    const entry = { stop, done: Promise.resolve() };
    inFlight.set(item, entry);
    entry.done = process(item, stop);
  }

  /** Endpoints this process already has at their cap, so the claim skips their rows instead of reading them. */
  function saturated(): string[] {
    return [...inFlightByEndpoint]
      .filter(([id, count]) => count >= (reducedCap.get(id) ?? options.endpointConcurrency))
      .map(([id]) => id);
  }

  async function loop(): Promise<void> {
    while (running) {
      const free = options.concurrency - inFlight.size;
      if (free <= 0) {
        waitingForSlots = true;
        await sleep(IDLE_POLL_MS);
        waitingForSlots = false;
        continue;
      }
      let claimed: ClaimedDelivery[] = [];
      try {
        claimed = await store.claimDueDeliveries({
          now: now(),
          limit: Math.min(BATCH_SIZE, free),
          owner,
          leaseMs,
          endpointCap: options.endpointConcurrency,
          circuitThreshold: CIRCUIT_THRESHOLD,
          rateHorizonMs,
          paused: saturated(),
        });
      } catch (error) {
        logger.error({ err: error }, "claiming deliveries failed");
        await sleep(IDLE_POLL_MS);
        continue;
      }
      for (const item of claimed) begin(item);
      if (claimed.length > 0) {
        // Let sends start before claiming again.
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      const due = await store.nextDueAt().catch(() => null);
      if (due !== null && due <= now()) {
        // Due work that cannot be claimed yet: rescan when a batch of attempts has finished, not per freed slot.
        starved = true;
        await starvedWait(STARVED_BACKOFF_MS);
        starved = false;
        continue;
      }
      await sleep(due === null ? IDLE_POLL_MS : Math.min(IDLE_POLL_MS, due - now()));
    }
  }

  return {
    owner,
    start() {
      if (running) return;
      running = true;
      loopDone = loop();
    },
    adopt(claims) {
      if (running) {
        for (const item of claims) begin(item);
        return;
      }
      // Stopping (or never started): hand them back at once instead of letting their leases run out.
      handBack(store, claims, owner, logger, now());
    },
    notify,
    async stop(graceMs) {
      running = false;
      notify();
      endStarvedWait?.();
      await loopDone;
      const settled = () => Promise.all([...inFlight.values()].map((entry) => entry.done));
      await untilOrAfter(settled(), graceMs);
      for (const entry of inFlight.values()) entry.stop.abort();
      await untilOrAfter(settled(), ABORT_SETTLE_MS);
      recording = false;
      await flush();
      // Only an attempt that ignored its abort is left: its lease expires and another claim takes it.
      const unfinished = [...inFlight.keys()].map((item) => ({
        msgId: item.message.id,
        endpointId: item.endpoint.id,
      }));
      if (unfinished.length > 0) await store.releaseDeliveries(unfinished, now(), owner);
      await transformations.close();
    },
  };
}
