import fs from "node:fs";
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
import {
  emitAttemptEvents,
  emitEndpointDisabled,
  ensureOperationalApplication,
} from "./domain/operational-events.ts";
import { createQuotaGuard } from "./domain/quotas.ts";
import { ensureAdminToken } from "./domain/tokens.ts";
import { createTelemetry } from "./observability/metrics.ts";
import { prettyLogStream } from "./observability/pretty-log.ts";
import { createTracer } from "./observability/tracing.ts";
import { createSecretBox, deriveKey, loadEncryptionKey } from "./secret-box.ts";
import { withReadCache } from "./store/read-cache.ts";
import { lockDatabase } from "./store/sqlite/database-lock.ts";
import { createSqliteStore } from "./store/sqlite/sqlite-store.ts";
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

/** API, delivery worker and housekeeping in one process (`outbound serve`, i.e. `npm start`). */
export async function startOutbound(config: Config): Promise<Running> {
  const logger = createLogger(config);
  // Before anything reads or migrates the database: a second process on the same file stops here, without
  // releasing or re-sending the claims of the one that runs.
  const lock = config.databasePath === ":memory:" ? null : lockDatabase(config.databasePath);
  const store = withReadCache(createSqliteStore(config.databasePath), READ_CACHE_TTL_MS);
  const key = loadEncryptionKey(config.encryptionKey, config.dataDir);
  const secrets = createSecretBox(key);
  const addressPolicy = createAddressPolicy(config.allowedSubnets);
  const telemetry = createTelemetry({
    now: Date.now,
    workerInProcess: true,
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

  await checkEncryptionKey(store, secrets, config.databasePath);
  const token = await ensureAdminToken(ctx);
  if (token) {
    // Printed once, on the first start only; only its hash is stored.
    process.stdout.write(
      `\nOutbound generated an API token (shown once, store it now):\n\n  ${token}\n\nSet OUTBOUND_API_TOKEN to choose your own.\n\n`,
    );
  }
  const orphaned = await store.releaseOrphanedClaims(Date.now());
  // Single-process SQLite: a reservation still in progress at start-up belongs to a request that died with us.
  await store.releaseAbandonedIdempotency(Date.now());
  if (orphaned > 0) logger.info({ count: orphaned }, "re-queued deliveries left in flight by a previous run");

  await ensureDirectoryEventTypes(ctx);
  await ensureOperationalApplication(ctx);
  const imports = createImportRunner(ctx);
  const tasks = createTaskRunner(ctx);
  const api = buildApi(ctx, imports, VERSION, tasks);
  await api.listen({ port: config.port, host: config.host });
  worker.start();
  await imports.resumeUnfinished();
  await tasks.resumeUnfinished();
  const housekeeping = setInterval(() => {
    const now = Date.now();
    void Promise.all([
      store.expungeExpiredPayloads(now),
      store.purgeIdempotency(now - IDEMPOTENCY_TTL_MS),
    ]).catch((error: unknown) => logger.error({ err: error }, "housekeeping failed"));
  }, HOUSEKEEPING_EVERY_MS);
  housekeeping.unref();

  const address = api.server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const url = `http://${config.host === "0.0.0.0" ? "localhost" : config.host}:${port}`;
  logger.info({ url, database: config.databasePath }, "Outbound is listening");

  return {
    url,
    async close() {
      clearInterval(housekeeping);
      // The worker's grace runs while the API drains, so the whole stop takes about OUTBOUND_SHUTDOWN_GRACE.
      const workerStopped = worker.stop(config.shutdownGraceMs);
      await api.close();
      await workerStopped;
      await imports.stop();
      await tasks.idle();
      await sender.close();
      await telemetry.close();
      await store.close();
      lock?.release();
    },
  };
}
