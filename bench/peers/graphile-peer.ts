/**
 * Peer: graphile-worker + PostgreSQL. `POST /msg` → `addJob` (one INSERT transaction per message, as the
 * library documents); a runner in the same process (concurrency PEER_CONCURRENCY) signs and
 * POSTs each job. PEER_QUEUE_URL names a database the bench created for this run and drops afterwards.
 */
import { makeWorkerUtils, run } from "graphile-worker";
import { createDeliverer, onStopSignal, type PeerJob, readPeerConfig, startIngest } from "./peer-process.ts";

const config = readPeerConfig();
const deliverer = createDeliverer(config.endpoints);
// node-postgres' default pool (10) would queue 64 producers behind 10 connections; two pools of 24 stay well
// inside PostgreSQL's default max_connections (100) and the runner holds a connection only to fetch and complete.
const maxPoolSize = 24;
const utils = await makeWorkerUtils({ connectionString: config.queueUrl, maxPoolSize });
await utils.migrate();
const runner = await run({
  connectionString: config.queueUrl,
  concurrency: config.concurrency,
  maxPoolSize,
  noHandleSignals: true,
  pollInterval: 1_000,
  logger: undefined,
  taskList: {
    webhook: async (payload) => {
      await deliverer.deliver(payload as PeerJob);
    },
  },
});
const ingest = await startIngest(config.port, async (job) => {
  await utils.addJob("webhook", job, { maxAttempts: 8 });
});

onStopSignal(async () => {
  await ingest.close();
  await runner.stop();
  await utils.release();
  await deliverer.close();
});
