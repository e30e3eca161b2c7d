/**
 * The API built in-process (Fastify `inject`) on a real SQLite file in a temp directory, with the same parts
 * `startOutbound` wires together (no worker: nothing is delivered).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { type ApiOptions, buildApi } from "../../src/api/server.ts";
import { loadConfig } from "../../src/config.ts";
import { createRelayHub } from "../../src/delivery/relay-hub.ts";
import { createImportRunner } from "../../src/directory/csv-import.ts";
import { createTaskRunner } from "../../src/domain/background-tasks.ts";
import type { Context } from "../../src/domain/context.ts";
import { createQuotaGuard } from "../../src/domain/quotas.ts";
import { createTelemetry } from "../../src/observability/metrics.ts";
import { createSecretBox, deriveKey, loadEncryptionKey } from "../../src/secret-box.ts";
import { createSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { Store } from "../../src/store/store.ts";
import { createAddressPolicy } from "../../src/webhook/address-policy.ts";

export const IN_PROCESS_TOKEN = "in-process-admin-token";

/**
 * A Context as `startOutbound` builds it, over `store` (a SQLite file in `dir`, where the key file is kept too);
 * `overrides` replaces parts, e.g. an injected clock.
 */
export function inProcessContext(dir: string, store: Store, overrides: Partial<Context> = {}): Context {
  const config = loadConfig({
    DATABASE_URL: path.join(dir, "outbound.db"),
    OUTBOUND_API_TOKEN: IN_PROCESS_TOKEN,
  });
  const key = loadEncryptionKey(undefined, dir);
  const now = overrides.now ?? Date.now;
  return {
    config,
    store,
    secrets: createSecretBox(key),
    linkKey: deriveKey(key, "links"),
    addressPolicy: createAddressPolicy([]),
    logger: pino({ level: "silent" }),
    notifyWork: () => {},
    now,
    quotas: createQuotaGuard(config.quotas),
    telemetry: createTelemetry({ now, workerInProcess: false, defaultMetrics: false }),
    relays: createRelayHub({ timeoutMs: 1_000 }),
    ...overrides,
  };
}

export function buildInProcessApi(overrides: Partial<Context> = {}, options: ApiOptions = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), "outbound-inproc-"));
  const store = createSqliteStore(path.join(dir, "outbound.db"));
  const ctx = inProcessContext(dir, store, overrides);
  const imports = createImportRunner(ctx);
  const tasks = createTaskRunner(ctx);
  const app = buildApi(ctx, imports, "0.0.0-test", tasks, options);
  return {
    app,
    ctx,
    async close() {
      await app.close();
      await imports.stop();
      await tasks.idle();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
