/**
 * Starts a job-queue peer (bench/peers/<name>-peer.ts) as its own Node process, like `outbound serve`, waits for
 * its `GET /health`, and guarantees it is stopped again (explicit stop, or SIGKILL when the bench exits).
 */
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import type { PeerEndpoint } from "../peers/peer-process.ts";
import { exited, freePort, nodeBin, repoRoot, waitForExit } from "./server.ts";
import { sleep } from "./wait.ts";

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
const MAX_LOG_CHARS = 50_000;

export interface PeerOptions {
  /** `bullmq` or `graphile`: runs bench/peers/<script>-peer.ts. */
  script: string;
  endpoints: PeerEndpoint[];
  concurrency: number;
  queueUrl: string;
  queueName: string;
}

export interface PeerServer {
  readonly url: string;
  readonly pid: number;
  logs(): string;
  /** SIGTERM (the peer cleans its queue up), SIGKILL after a bounded wait. Idempotent. */
  stop(): Promise<void>;
}

const alive = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of alive) child.kill("SIGKILL");
});

export async function startPeer(options: PeerOptions): Promise<PeerServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const script = path.join("bench", "peers", `${options.script}-peer.ts`);
  const child = spawn(nodeBin, [script], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? "",
      // Set by the smoke run (bench/run.ts) to share compiled modules between processes.
      ...(process.env.NODE_COMPILE_CACHE ? { NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE } : {}),
      PEER_PORT: String(port),
      PEER_ENDPOINTS: JSON.stringify(options.endpoints),
      PEER_CONCURRENCY: String(options.concurrency),
      PEER_QUEUE_URL: options.queueUrl,
      PEER_QUEUE_NAME: options.queueName,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  alive.add(child);
  child.once("exit", () => alive.delete(child));
  let output = "";
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-MAX_LOG_CHARS);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (exited(child)) return;
    child.kill("SIGTERM");
    if (!(await waitForExit(child, STOP_TIMEOUT_MS))) {
      child.kill("SIGKILL");
      await waitForExit(child, STOP_TIMEOUT_MS);
    }
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  let problem = "no answer yet";
  try {
    for (;;) {
      if (exited(child)) throw new Error(`${options.script} peer exited before it was ready:\n${output}`);
      if (Date.now() > deadline)
        throw new Error(`${options.script} peer not ready in ${READY_TIMEOUT_MS} ms (${problem})`);
      try {
        const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) });
        await response.arrayBuffer();
        if (response.status === 204) break;
        problem = `health answered ${response.status}`;
      } catch (error) {
        problem = (error as Error).message;
      }
      await sleep(50);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, pid: child.pid ?? -1, logs: () => output, stop };
}
