/**
 * Peer: an in-memory queue, no disk and no broker. `POST /msg` → push onto an array → 202; up to PEER_CONCURRENCY
 * jobs at once are signed and POSTed as the other peers do, a failed one is retried after a delay. Nothing survives
 * a crash: this is not a webhook service anyone should run, but the floor of one on this machine, the two HTTP
 * hops (producer → service, service → receiver) and the signature every sender here pays, and nothing else.
 */
import { createDeliverer, onStopSignal, type PeerJob, readPeerConfig, startIngest } from "./peer-process.ts";

const config = readPeerConfig();
const deliverer = createDeliverer(config.endpoints);
const queue: PeerJob[] = [];
let head = 0;
let active = 0;

function pump(): void {
  while (active < config.concurrency && head < queue.length) {
    const job = queue[head++] as PeerJob;
    if (head > 4096 && head * 2 > queue.length) {
      queue.splice(0, head);
      head = 0;
    }
    active += 1;
    deliverer.deliver(job).then(
      () => {
        active -= 1;
        pump();
      },
      () => {
        active -= 1;
        setTimeout(() => {
          queue.push(job);
          pump();
        }, 1_000);
        pump();
      },
    );
  }
}

const ingest = await startIngest(config.port, async (job) => {
  queue.push(job);
  pump();
});

onStopSignal(async () => {
  await ingest.close();
  await deliverer.close();
});
