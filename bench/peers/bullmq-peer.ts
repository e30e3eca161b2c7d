/**
 * Peer: BullMQ + Redis. `POST /msg` → `queue.add` (one Redis round trip per message); a BullMQ Worker in the
 * same process (concurrency PEER_CONCURRENCY) signs and POSTs each job. Job options are BullMQ's defaults
 * (completed jobs are kept, like Outbound keeps its messages and attempts) plus retries with backoff. On stop the
 * run's queue is obliterated, so Redis is left as it was.
 */
import { Queue, Worker } from "bullmq";
import { createDeliverer, onStopSignal, type PeerJob, readPeerConfig, startIngest } from "./peer-process.ts";

const config = readPeerConfig();
// BullMQ requires maxRetriesPerRequest: null for its blocking worker connection.
const connection = { url: config.queueUrl, maxRetriesPerRequest: null };
const queue = new Queue<PeerJob>(config.queueName, { connection });
const deliverer = createDeliverer(config.endpoints);
const worker = new Worker<PeerJob>(config.queueName, (job) => deliverer.deliver(job.data), {
  connection,
  concurrency: config.concurrency,
});
await queue.waitUntilReady();
await worker.waitUntilReady();
const ingest = await startIngest(config.port, async (job) => {
  await queue.add("webhook", job, { attempts: 8, backoff: { type: "exponential", delay: 5_000 } });
});

onStopSignal(async () => {
  await ingest.close();
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  await deliverer.close();
});
