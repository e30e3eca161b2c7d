import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { hostname } from "node:os";
import pino from "pino";
import { IDEMPOTENCY_TTL_MS } from "./api/idempotency.ts";
import { buildApi } from "./api/server.ts";
import type { Config } from "./config.ts";
import { createHttpSender } from "./delivery/http-sender.ts";
import { createRelayHub } from "./delivery/relay-hub.ts";
import { createWorker } from "./delivery/worker.ts";
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
import { createTelemetry } from "./observability/metrics.ts";
import { prettyLogStream } from "./observability/pretty-log.ts";
import { createTracer } from "./observability/tracing.ts";
import { createSecretBox, deriveKey, loadEncryptionKey } from "./secret-box.ts";
import { DuplicateKeyError } from "./store/errors.ts";
import { openStore } from "./store/open-store.ts";
import { withReadCache } from "./store/read-cache.ts";
import { lockDatabase } from "./store/sqlite/database-lock.ts";
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

export function createLogger(config: Config) {
  const destination = config.logFormat === "pretty" ? prettyLogStream(process.stdout) : undefined;
  return pino(
    {
      level: config.logLevel,
      base: { service: "outbound" },
      // Belt and braces: nothing we log carries these, but a stray object must not leak them.
      redact: [
        "req.headers.authorization",
        "headers.authorization",
        "secret",
        "token",
        "key",
        "*.secret",
        "*.token",
      ],
    },
    destination,
  );
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

/** What a process runs: `serve` = API + delivery (what `npm start` runs), `api` = API only, `worker` = delivery only. */
export type Role = "serve" | "api" | "worker";

/** API and/or delivery worker, and housekeeping, in one process (`outbound serve|api|worker`). */
export async function startOutbound(config: Config, role: Role = "serve"): Promise<Running> {
  const logger = createLogger(config);
  // Before anything reads or migrates the database: a second delivering process on the same SQLite file stops
  // here, without releasing or re-sending the claims of the one that runs. API-only processes share the file.
  const sqlitePath = config.database.kind === "sqlite" ? config.database.path : ":memory:";
  const lock = role === "api" || sqlitePath === ":memory:" ? null : lockDatabase(sqlitePath);
  const store = withReadCache(await openStore(config.database), READ_CACHE_TTL_MS, Date.now);
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
  // This process's name on what it claims: deliveries, background tasks.
  const owner = `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
  const relays = createRelayHub({ timeoutMs: config.requestTimeoutMs });
  const sender = relays.wrap(
    createHttpSender({
      timeoutMs: config.requestTimeoutMs,
      policy: addressPolicy,
      requireHttps: config.requireHttps,
      caFile: config.caFile,
    }),
  );
  const worker = createWorker({
    store,
    sender,
    secrets,
    logger,
    retryScheduleMs: config.retryScheduleMs,
    requestTimeoutMs: config.requestTimeoutMs,
    concurrency: config.workerConcurrency,
    endpointConcurrency: config.endpointConcurrency,
    leaseMs: config.leaseMs,
    owner,
    userAgent: `Outbound/${VERSION}`,
    onEndpointDisabled: (attempt) =>
      void emitEndpointDisabled(ctx, attempt.appId, attempt.endpointId, attempt.createdAt).catch(
        (error: unknown) => logger.error({ err: error }, "emitting endpoint.disabled failed"),
      ),
    traceparentFor: (msgId, endpointId) => telemetry.attemptTraceparent(msgId, endpointId),
    onOutcomesRecorded: (outcomes) => {
      telemetry.recordOutcomes(outcomes, Date.now());
      void emitAttemptEvents(ctx, outcomes).catch((error: unknown) =>
        logger.error({ err: error }, "emitting message.attempt events failed"),
      );
    },
  });
  const ctx: Context = {
    config,
    store,
    secrets,
    linkKey: deriveKey(key, "links"),
    addressPolicy,
    logger,
    notifyWork: () => worker.notify(),
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
  const tasks = createTaskRunner(ctx, { owner, leaseMs: config.leaseMs });
  const api = role === "worker" ? null : buildApi(ctx, imports, VERSION, tasks);
  await api?.listen({ port: config.port, host: config.host });
  // Messages accepted by other processes (PostgreSQL) wake this worker at once; polling stays the truth.
  const unlisten = role === "api" ? null : await store.listenForWork(() => worker.notify());
  if (role !== "api") worker.start();
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
  if (api) logger.info({ url, database, role }, "Outbound is listening");
  else logger.info({ database, role }, "Outbound is delivering");

  return {
    url,
    async close() {
      clearInterval(housekeeping);
      clearInterval(claimSweep);
      await sweeping?.catch(() => {});
      // The worker's grace runs while the API drains, so the whole stop takes about OUTBOUND_SHUTDOWN_GRACE.
      const workerStopped = worker.stop(config.shutdownGraceMs);
      await api?.close();
      await unlisten?.();
      await workerStopped;
      await imports.stop();
      await tasks.stop();
      await sender.close();
      await telemetry.close();
      await store.close();
      lock?.release();
    },
  };
}
