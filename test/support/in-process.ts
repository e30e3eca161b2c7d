/**
 * The API built in-process (Fastify `inject`) on a real SQLite file in a temp directory, with the same parts
 * `startOutbound` wires together (no worker: nothing is delivered).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { buildApi } from "../../src/api/server.ts";
import { loadConfig } from "../../src/config.ts";
import { createRelayHub } from "../../src/delivery/relay-hub.ts";
import { createImportRunner } from "../../src/directory/csv-import.ts";
import { createTaskRunner } from "../../src/domain/background-tasks.ts";
import type { Context } from "../../src/domain/context.ts";
import { createQuotaGuard } from "../../src/domain/quotas.ts";
import { createTelemetry } from "../../src/observability/metrics.ts";
import { createSecretBox, deriveKey, loadEncryptionKey } from "../../src/secret-box.ts";
import { createSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { createAddressPolicy } from "../../src/webhook/address-policy.ts";

export const IN_PROCESS_TOKEN = "in-process-admin-token";

export function buildInProcessApi() {
  const dir = mkdtempSync(path.join(tmpdir(), "outbound-inproc-"));
  const config = loadConfig({
    DATABASE_URL: path.join(dir, "outbound.db"),
    OUTBOUND_API_TOKEN: IN_PROCESS_TOKEN,
  });
  const store = createSqliteStore(path.join(dir, "outbound.db"));
  const key = loadEncryptionKey(undefined, dir);
  const ctx: Context = {
    config,
    store,
    secrets: createSecretBox(key),
    linkKey: deriveKey(key, "links"),
    addressPolicy: createAddressPolicy([]),
    logger: pino({ level: "silent" }),
    notifyWork: () => {},
    now: Date.now,
    quotas: createQuotaGuard(config.quotas),
    telemetry: createTelemetry({ now: Date.now, workerInProcess: false, defaultMetrics: false }),
    relays: createRelayHub({ timeoutMs: 1_000 }),
  };
  const imports = createImportRunner(ctx);
  const tasks = createTaskRunner(ctx);
  const app = buildApi(ctx, imports, "0.0.0-test", tasks);
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
