/**
 * A loopback receiver that counts requests in progress: the most it ever saw at once is the cluster-wide
 * concurrency towards this endpoint, whatever process sent them. Answers 200 after `delayMs`.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface ConcurrencyReceiver {
  readonly url: string;
  /** The `webhook-id` of every request, in arrival order (duplicates included). */
  readonly ids: string[];
  /** The most requests that were in progress at the same time. */
  readonly maxConcurrent: number;
  close(): Promise<void>;
}

export async function startConcurrencyReceiver(delayMs: number): Promise<ConcurrencyReceiver> {
  const ids: string[] = [];
  let active = 0;
  let maxConcurrent = 0;
  const server = createServer((req, res) => {
    active++;
    maxConcurrent = Math.max(maxConcurrent, active);
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      active--;
    };
    // A request ends when its answer is sent or its connection drops (a killed sender).
    res.once("finish", finish);
    res.once("close", finish);
    req.resume();
    req.once("end", () => {
      ids.push(String(req.headers["webhook-id"]));
      setTimeout(() => res.end("ok"), delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    ids,
    get maxConcurrent() {
      return maxConcurrent;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
