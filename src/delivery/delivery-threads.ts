import { Worker as Thread } from "node:worker_threads";
import type { Logger } from "pino";
import type { Config } from "../config.ts";
import { StartupError } from "../startup-failure.ts";
import type { Store } from "../store/store.ts";
import type { ClaimedDelivery, InsertClaim } from "../store/types.ts";
import { type DeliveryHooks, insertClaimFor } from "./delivery-setup.ts";
import type { DeliveryThreadData } from "./delivery-thread.ts";
import type { HttpSender, SendResult } from "./http-sender.ts";
import { decodeOutcomes, encodeClaims } from "./thread-codec.ts";
import type { FromDeliveryThread, ToDeliveryThread } from "./thread-protocol.ts";
import { handBack } from "./worker.ts";
import { DELIVERY_YOUNG_GENERATION_MB, withOwnYoungGeneration } from "./young-generation.ts";

/** Delivery as the process around it sees it, wherever it runs. */
export interface Delivery {
  /** Starts delivering; rejects when it cannot (the message is the start-up failure to show). */
  start(): Promise<void>;
  /** New work may be due now. */
  notify(): void;
  /** Stops claiming, gives attempts in flight `graceMs`, and resolves once every result is written. */
  stop(graceMs: number): Promise<void>;
  /**
   * Leases for a new message's deliveries, to be taken in the inserting transaction (stores with `claimsAtInsert`)
   * and handed over with adopt(); null when they should stay pending for a claim (not running, or several claimers).
   */
  insertClaim(now: number): InsertClaim | null;
  /** Deliveries leased at insert with insertClaim()'s `owner`: sent without being read back. */
  adopt(claims: ClaimedDelivery[], owner: string): void;
}

export interface DeliveryThreadOptions {
  config: Config;
  count: number;
  key: Uint8Array;
  /** The main thread's SQLite write gate (ignored by PostgreSQL). */
  writeGate: SharedArrayBuffer;
  version: string;
  logger: Logger;
  /** Sends to `outbound listen` relays, which live on this thread. */
  relaySender: HttpSender;
  hooks: DeliveryHooks;
  /** A crashed thread is started again after this long (doubling up to a minute while it keeps crashing). */
  restartAfterMs?: number;
  /** Monotonic clock in ms (tests); default `performance.now`. */
  now?: () => number;
  /** The thread's module (tests); default `delivery-thread.ts`. */
  entry?: URL;
  /** Where deliveries leased at insert go back when no thread of their owner is there to take them. */
  store: Pick<Store, "releaseDeliveries">;
}

const MAX_RESTART_DELAY_MS = 60_000;
/**
 * A thread must stay up this long before its crash counts as a new one (restart after the base delay) rather than
 * the next turn of a crash loop: "ready" is sent as soon as its worker starts, before it has delivered anything, so a
 * thread that dies on every first batch would otherwise be restarted at the base delay forever.
 */
export const STABLE_UPTIME_MS = 60_000;

/**
 * `OUTBOUND_WORKER_THREADS` delivery threads. Notifications are coalesced to one message per thread per turn of
 * the event loop, however many messages were accepted in it. A thread that dies unexpectedly is started again: its
 * claims stay leased to the dead owner until the lease expires, then any claimer sends them (at-least-once, as after
 * a process crash).
 */
export function createDeliveryThreads(options: DeliveryThreadOptions): Delivery {
  const data: DeliveryThreadData = {
    config: options.config,
    key: options.key,
    writeGate: options.writeGate,
    version: options.version,
  };
  const threads = new Set<Thread>();
  /** Each running thread's lease owner (from its "ready"). */
  const owners = new Map<Thread, string>();
  let stopping = false;
  let notifyQueued = false;
  /** Deliveries leased at insert during this turn, by owner: one message per thread and turn. */
  let adoptions: Map<string, ClaimedDelivery[]> | null = null;
  let restartDelay = options.restartAfterMs ?? 1_000;
  let restartTimer: NodeJS.Timeout | undefined;
  const now = options.now ?? (() => performance.now());

  function send(thread: Thread, message: ToDeliveryThread) {
    thread.postMessage(message);
  }

  function sendAdoptions(): void {
    const batch = adoptions;
    adoptions = null;
    for (const [owner, claims] of batch ?? []) {
      const thread = [...owners].find(([, o]) => o === owner)?.[0];
      // Its thread died since the insert: hand them back rather than let their lease run out.
      if (thread) send(thread, { type: "adopt", claims: encodeClaims(claims) });
      else handBack(options.store, claims, owner, options.logger);
    }
  }

  function spawn(): Promise<void> {
    const thread = withOwnYoungGeneration(
      () =>
        new Thread(options.entry ?? new URL("./delivery-thread.ts", import.meta.url), {
          workerData: data,
          name: "outbound-delivery",
          resourceLimits: { maxYoungGenerationSizeMb: DELIVERY_YOUNG_GENERATION_MB },
        }),
      options.config.semiSpaceMb,
    );
    const relayStops = new Map<number, AbortController>();
    return new Promise((resolve, reject) => {
      let started = false;
      let readyAt = 0;
      thread.on("message", (message: FromDeliveryThread) => {
        switch (message.type) {
          case "ready":
            started = true;
            threads.add(thread);
            owners.set(thread, message.owner);
            readyAt = now();
            resolve();
            break;
          case "failed":
            reject(message.startup ? new StartupError(message.message) : new Error(message.message));
            break;
          case "outcomes":
            options.hooks.onOutcomesRecorded(decodeOutcomes(message.outcomes));
            break;
          case "endpoint-disabled":
            options.hooks.onEndpointDisabled(message.attempt);
            break;
          case "relay-send": {
            const stop = new AbortController();
            relayStops.set(message.id, stop);
            void options.relaySender
              .send(message.request, stop.signal)
              .catch(
                (error: unknown): SendResult => ({
                  statusCode: 0,
                  responseText: error instanceof Error ? error.message : String(error),
                  retryAfter: undefined,
                  durationMs: 0,
                  failure: "network",
                }),
              )
              .then((result) => {
                relayStops.delete(message.id);
                send(thread, { type: "relay-result", id: message.id, result });
              });
            break;
          }
          case "relay-abort":
            relayStops.get(message.id)?.abort();
            break;
          case "stopped":
            break;
        }
      });
      thread.on("error", (error) => {
        options.logger.error({ err: error }, "delivery thread crashed");
        if (!started) reject(error);
      });
      thread.on("exit", (code) => {
        threads.delete(thread);
        owners.delete(thread);
        for (const stop of relayStops.values()) stop.abort();
        if (!started || stopping) return;
        if (now() - readyAt >= STABLE_UPTIME_MS) restartDelay = options.restartAfterMs ?? 1_000;
        options.logger.error({ code, restartInMs: restartDelay }, "delivery thread exited; starting another");
        restartLater();
      });
    });
  }

  /**
   * Starts a replacement after the current delay, and keeps trying (with a growing delay) while starting fails.
   * The timer is not unref'd: in an `outbound worker` process the delivery threads are what keeps it running.
   */
  function restartLater(): void {
    if (stopping) return;
    const delay = restartDelay;
    restartDelay = Math.min(restartDelay * 2, MAX_RESTART_DELAY_MS);
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      if (stopping) return;
      spawn().catch((error: unknown) => {
        options.logger.error({ err: error }, "starting a delivery thread failed; trying again");
        restartLater();
      });
    }, delay);
  }

  async function stopThread(thread: Thread, graceMs: number): Promise<void> {
    const exited = new Promise<void>((resolve) => thread.once("exit", () => resolve()));
    const stopped = new Promise<void>((resolve) =>
      thread.on("message", (message: FromDeliveryThread) => {
        if (message.type === "stopped") resolve();
      }),
    );
    send(thread, { type: "stop", graceMs });
    await Promise.race([stopped, exited]);
    // Everything is written; whatever the thread still holds (log buffers flush synchronously) can go.
    await thread.terminate();
  }

  return {
    async start() {
      const started = await Promise.allSettled(Array.from({ length: options.count }, () => spawn()));
      const failure = started.find((result) => result.status === "rejected");
      if (failure) {
        stopping = true;
        await Promise.all([...threads].map((thread) => stopThread(thread, 0)));
        throw failure.reason;
      }
    },
    notify() {
      if (notifyQueued) return;
      notifyQueued = true;
      queueMicrotask(() => {
        notifyQueued = false;
        for (const thread of threads) send(thread, { type: "notify" });
      });
    },
    insertClaim(now) {
      // Several threads claim independently: each must see the others' leases, so only claims count them.
      if (stopping || options.count !== 1) return null;
      const [owner] = owners.values();
      return owner === undefined ? null : insertClaimFor(options.config, owner, now);
    },
    adopt(claims, owner) {
      if (stopping) {
        // The thread may already have written its last results: nothing sent to it now is sure to be read.
        handBack(options.store, claims, owner, options.logger);
        return;
      }
      if (!adoptions) {
        adoptions = new Map();
        // After this turn's other requests committed with it: they join the same message.
        setImmediate(sendAdoptions);
      }
      const list = adoptions.get(owner);
      if (list) list.push(...claims);
      else adoptions.set(owner, [...claims]);
    },
    async stop(graceMs) {
      stopping = true;
      // Before "stop": the thread takes these first, then hands back whatever it does not send.
      sendAdoptions();
      clearTimeout(restartTimer);
      await Promise.all([...threads].map((thread) => stopThread(thread, graceMs)));
    },
  };
}
