import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { hostname } from "node:os";
import type { Logger } from "pino";
import { IDEMPOTENCY_TTL_MS } from "./api/idempotency.ts";
import { buildApi } from "./api/server.ts";
import type { Config } from "./config.ts";
import {
  createDeliverySender,
  createDeliveryWorker,
  type DeliveryHooks,
  insertClaimFor,
} from "./delivery/delivery-setup.ts";
import { createDeliveryThreads, type Delivery } from "./delivery/delivery-threads.ts";
import type { HttpSender } from "./delivery/http-sender.ts";
import { createRelayHub, type RelayHub } from "./delivery/relay-hub.ts";
import { createImportRunner } from "./directory/csv-import.ts";
import { ensureDirectoryEventTypes } from "./directory/events.ts";
import { createTaskRunner } from "./domain/background-tasks.ts";
import type { Context } from "./domain/context.ts";
import { checkEncryptionKey } from "./domain/encryption-key-check.ts";
import { ConflictError } from "./domain/errors.ts";
import {
  emitAttemptEvents,
  emitEndpointDisabled,
  ensureOperationalApplication,
} from "./domain/operational-events.ts";
import { createQuotaGuard } from "./domain/quotas.ts";
import { removeAbandonedRelayEndpoints } from "./domain/relay-endpoints.ts";
import { runRetention } from "./domain/retention.ts";
import { ensureAdminToken } from "./domain/tokens.ts";
import { createLogger } from "./observability/logger.ts";
import { createTelemetry } from "./observability/metrics.ts";
import { createTracer } from "./observability/tracing.ts";
import { createSecretBox, deriveKey, loadEncryptionKey, type SecretBox } from "./secret-box.ts";
import { DuplicateKeyError } from "./store/errors.ts";
import { openStore } from "./store/open-store.ts";
import { withReadCache } from "./store/read-cache.ts";
import { lockDatabase } from "./store/sqlite/database-lock.ts";
import { newWriteGateMemory } from "./store/sqlite/write-gate.ts";
import type { Store } from "./store/store.ts";
import { createAddressPolicy } from "./webhook/address-policy.ts";

const HOUSEKEEPING_EVERY_MS = 60_000;
/** How long routing may use an application's endpoint list before re-reading it (changes made here apply at once). */
const READ_CACHE_TTL_MS = 1_000;

export const VERSION: string = JSON.parse(
  fs.readFileSync(new URL("../package.json", import.meta.url), "utf8"),
).version;

export interface Running {
  url: string;
  close(): Promise<void>;
}

/**
 * Start-up seeding (built-in event types, the operational application) races with other processes starting on the
 * same database: the loser of a race hits a unique key, and the next pass finds the row the winner wrote. Each pass
 * gets further (every lost race means a row now exists), so a few passes always finish.
 */
async function seedOnce(seed: () => Promise<void>): Promise<void> {
  for (let pass = 1; ; pass++) {
    try {
      return await seed();
    } catch (error) {
      const lostRace = error instanceof DuplicateKeyError || error instanceof ConflictError;
      if (!lostRace || pass >= 20) throw error;
    }
  }
}

/** Relay URLs are the only ones the main thread sends to when delivery runs in threads. */
const noDirectSends: HttpSender = {
  send: () => Promise.reject(new Error("deliveries are sent from the delivery threads")),
  close: async () => {},
};

/**
 * `OUTBOUND_WORKER_THREADS=0`: the worker shares the API's event loop (one core, or traces on). Messages accepted
 * by other processes (PostgreSQL) wake it at once; polling stays the truth.
 */
function deliverOnThisThread(
  config: Config,
  deps: { store: Store; secrets: SecretBox; logger: Logger; relays: RelayHub },
  hooks: DeliveryHooks,
): Delivery {
  const sender = deps.relays.wrap(createDeliverySender(config));
  const worker = createDeliveryWorker(config, { ...deps, sender, version: VERSION }, hooks);
  let unlisten: (() => Promise<void>) | undefined;
  let running = false;
  return {
    async start() {
      unlisten = await deps.store.listenForWork(() => worker.notify());
      worker.start();
      running = true;
    },
    notify: () => worker.notify(),
    async stop(graceMs) {
      running = false;
      await unlisten?.();
      await worker.stop(graceMs);
      await sender.close();
    },
    insertClaim: (now) => (running ? insertClaimFor(config, worker.owner, now) : null),
    // After this turn: the 202 and its hooks come first (the message's trace, which an attempt's span continues).
    // A stopped worker hands them back itself.
    adopt: (claims) => setImmediate(() => worker.adopt(claims)),
  };
}

/** What a process runs: `serve` = API + delivery (what `npm start` runs), `api` = API only, `worker` = delivery only. */
export type Role = "serve" | "api" | "worker";

/** API and/or delivery worker, and housekeeping, in one process (`outbound serve|api|worker`). */
export async function startOutbound(config: Config, role: Role = "serve"): Promise<Running> {
  const logger = createLogger(config);
  // Before anything reads or migrates the database: a second delivering process on the same SQLite file stops
  // here, without releasing or re-sending the claims of the one that runs. API-only processes share the file.
  const sqlitePath = config.database.kind === "sqlite" ? config.database.path : ":memory:";
  const lock = role === "api" || sqlitePath === ":memory:" ? null : lockDatabase(sqlitePath);
  // Shared with the delivery threads' SQLite connections: their writes and ours take turns without sleeping.
  const writeGate = newWriteGateMemory();
  const threads = role === "worker" ? config.workerThreads.worker : config.workerThreads.serve;
  // With a delivery thread, its connection checkpoints the WAL on a timer: the API's event loop never waits for a
  // checkpoint's fsyncs inside a COMMIT.
  const checkpoints = role !== "api" && threads > 0 ? "elsewhere" : "auto";
  const store = withReadCache(
    await openStore(config.database, { writeGate, checkpoints }),
    READ_CACHE_TTL_MS,
    Date.now,
  );
  const key = loadEncryptionKey(config.encryptionKey, config.dataDir);
  const secrets = createSecretBox(key);
  const addressPolicy = createAddressPolicy(config.allowedSubnets);
  const telemetry = createTelemetry({
    now: Date.now,
    workerInProcess: role !== "api",
    ...(config.otlpEndpoint
      ? {
          tracer: createTracer({
            endpoint: config.otlpEndpoint,
            serviceName: config.otelServiceName,
            version: VERSION,
            onExportError: (error) => logger.warn({ err: error }, "exporting traces failed"),
          }),
        }
      : {}),
  });
  const relays = createRelayHub({ timeoutMs: config.requestTimeoutMs });
  const hooks: DeliveryHooks = {
    onEndpointDisabled: (attempt) => {
      // A delivery thread's store has no cache of ours: routing here must stop using the endpoint at once.
      store.forgetEndpoints(attempt.appId);
      void emitEndpointDisabled(ctx, attempt.appId, attempt.endpointId, attempt.createdAt).catch(
        (error: unknown) => logger.error({ err: error }, "emitting endpoint.disabled failed"),
      );
    },
    traceparentFor: (msgId, endpointId) => telemetry.attemptTraceparent(msgId, endpointId),
    onOutcomesRecorded: (outcomes) => {
      telemetry.recordOutcomes(outcomes, Date.now());
      void emitAttemptEvents(ctx, outcomes).catch((error: unknown) =>
        logger.error({ err: error }, "emitting message.attempt events failed"),
      );
    },
  };
  const delivery: Delivery | null =
    role === "api"
      ? null
      : threads > 0
        ? createDeliveryThreads({
            config,
            count: threads,
            key,
            writeGate,
            version: VERSION,
            logger,
            relaySender: relays.wrap(noDirectSends),
            hooks,
            store,
          })
        : deliverOnThisThread(config, { store, secrets, logger, relays }, hooks);
  const ctx: Context = {
    config,
    store,
    secrets,
    linkKey: deriveKey(key, "links"),
    addressPolicy,
    logger,
    notifyWork: () => delivery?.notify(),
    ...(delivery && store.claimsAtInsert ? { handoff: delivery } : {}),
    now: Date.now,
    quotas: createQuotaGuard(config.quotas),
    telemetry,
    relays,
  };

  await checkEncryptionKey(
    store,
    secrets,
    config.database.kind === "sqlite" ? sqlitePath : "the PostgreSQL database",
  );
  const token = await ensureAdminToken(ctx);
  if (token) {
    // Printed once, on the first start only; only its hash is stored.
    process.stdout.write(
      `\nOutbound generated an API token (shown once, store it now):\n\n  ${token}\n\nSet OUTBOUND_API_TOKEN to choose your own.\n\n`,
    );
  }
  // Only expired leases: other processes on the same database may have attempts in flight right now.
  const orphaned = await store.releaseOrphanedClaims(Date.now());
  if (orphaned > 0) logger.info({ count: orphaned }, "re-queued deliveries whose process died");

  await seedOnce(() => ensureDirectoryEventTypes(ctx));
  await seedOnce(() => ensureOperationalApplication(ctx));
  const imports = createImportRunner(ctx);
  // This process's name on the background tasks it claims (delivery threads name their own claims).
  const owner = `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
  const tasks = createTaskRunner(ctx, { owner, leaseMs: config.leaseMs });
  const api = role === "worker" ? null : buildApi(ctx, imports, VERSION, tasks);
  // Delivery threads start before the port opens: once the API answers, the whole process is up.
  await delivery?.start();
  await api?.listen({ port: config.port, host: config.host });
  // Claims of dead processes (a stale heartbeat) are taken over here and then every half lease, by any process:
  // a task or a relay endpoint left by a crash is dealt with by a survivor within about 1.5 leases.
  let sweeping: Promise<void> | null = null;
  const sweepClaims = (): Promise<void> => {
    // A slow round is not overlapped by the next; close() waits for the one under way.
    sweeping ??= (async () => {
      if (api) await tasks.resumeAbandoned();
      await removeAbandonedRelayEndpoints(ctx, Date.now() - config.leaseMs);
    })().finally(() => {
      sweeping = null;
    });
    return sweeping;
  };
  if (api) await imports.resumeUnfinished();
  await sweepClaims();
  const claimSweep = setInterval(
    () =>
      void sweepClaims().catch((error: unknown) => logger.error({ err: error }, "taking over claims failed")),
    Math.min(HOUSEKEEPING_EVERY_MS, Math.max(50, Math.floor(config.leaseMs / 2))),
  );
  claimSweep.unref();
  const housekeeping = setInterval(() => {
    const now = Date.now();
    void runRetention(store, now, {
      idempotencyTtlMs: IDEMPOTENCY_TTL_MS,
      leaseMs: config.leaseMs,
      attemptRetentionMs: config.attemptRetentionMs,
    }).catch((error: unknown) => logger.error({ err: error }, "housekeeping failed"));
  }, HOUSEKEEPING_EVERY_MS);
  housekeeping.unref();

  const address = api?.server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const url = `http://${config.host === "0.0.0.0" ? "localhost" : config.host}:${port}`;
  const database = config.database.kind === "sqlite" ? config.database.path : "postgres";
  // 0: delivery shares the API's event loop (OUTBOUND_WORKER_THREADS).
  const deliveryThreads = delivery ? threads : undefined;
  if (api) logger.info({ url, database, role, deliveryThreads }, "Outbound is listening");
  else logger.info({ database, role, deliveryThreads }, "Outbound is delivering");

  return {
    url,
    async close() {
      clearInterval(housekeeping);
      clearInterval(claimSweep);
      await sweeping?.catch(() => {});
      // The worker's grace runs while the API drains, so the whole stop takes about OUTBOUND_SHUTDOWN_GRACE.
      const deliveryStopped = delivery?.stop(config.shutdownGraceMs);
      await api?.close();
      await deliveryStopped;
      await imports.stop();
      await tasks.stop();
      await telemetry.close();
      await store.close();
      lock?.release();
    },
  };
}
