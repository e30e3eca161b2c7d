/**
 * A fast loopback webhook receiver (node:http on 127.0.0.1): answers 204 as soon as the body is read, counts
 * requests per path and, when asked, records the arrival time of every `webhook-id` (performance.now(), the
 * same clock the load generator uses in this process).
 *
 * It can also hold answers: `hold()` parks every response until `release()` (used to queue a durable backlog
 * behind the server's per-endpoint concurrency cap), and `hangPaths` never get an answer at all.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceiverOptions {
  /** Requests to these paths are never answered (a hung endpoint); they still count. */
  hangPaths?: readonly string[];
  /** Record `webhook-id` → arrival time (for latency). Off by default to keep the receiver lean. */
  recordArrivals?: boolean;
}

export interface Receiver {
  readonly port: number;
  url(path: string): string;
  /** Requests received so far (all paths). */
  total(): number;
  count(path: string): number;
  /** performance.now() of the first and latest request, or NaN before any. */
  firstArrival(): number;
  lastArrival(): number;
  /** performance.now() of the first / latest request to `path` (since the last reset), or NaN. */
  firstArrivalAt(path: string): number;
  lastArrivalAt(path: string): number;
  /** `webhook-id` → performance.now() at arrival (only with recordArrivals). */
  readonly arrivals: Map<string, number>;
  /** Park every answer from now on until `release()`. */
  hold(): void;
  /** Answer every parked request and stop holding; returns how many were parked. */
  release(): number;
  /** Destroy the sockets of requests to hang paths (so a sender waiting on them fails now). */
  dropHung(): void;
  /** Switch hang paths on (default) or off (then they behave like every other path). */
  setHanging(on: boolean): void;
  /** Zero the counters and arrival records (not the held requests). */
  reset(): void;
  close(): Promise<void>;
}

export async function startReceiver(options: ReceiverOptions = {}): Promise<Receiver> {
  const hang = new Set(options.hangPaths ?? []);
  const recordArrivals = options.recordArrivals ?? false;
  const counts = new Map<string, number>();
  const lastByPath = new Map<string, number>();
  const firstByPath = new Map<string, number>();
  const arrivals = new Map<string, number>();
  const parked: ServerResponse[] = [];
  const hung = new Set<ServerResponse>();
  let total = 0;
  let first = Number.NaN;
  let last = Number.NaN;
  let holding = false;
  let hanging = true;

  const answer = (res: ServerResponse) => {
    if (res.destroyed || res.writableEnded) return;
    res.writeHead(204);
    res.end();
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const now = performance.now();
    const path = req.url ?? "/";
    total += 1;
    if (Number.isNaN(first)) first = now;
    last = now;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    lastByPath.set(path, now);
    if (!firstByPath.has(path)) firstByPath.set(path, now);
    if (recordArrivals) {
      const id = req.headers["webhook-id"];
      if (typeof id === "string" && !arrivals.has(id)) arrivals.set(id, now);
    }
    req.on("end", () => {
      if (hanging && hang.has(path)) {
        hung.add(res);
        res.once("close", () => hung.delete(res));
      } else if (holding) parked.push(res);
      else answer(res);
    });
    req.resume();
  });
  server.keepAliveTimeout = 30_000;
  server.headersTimeout = 60_000;
  server.requestTimeout = 0;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  let closed = false;

  return {
    port,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    total: () => total,
    count: (path) => counts.get(path) ?? 0,
    firstArrival: () => first,
    lastArrival: () => last,
    firstArrivalAt: (path) => firstByPath.get(path) ?? Number.NaN,
    lastArrivalAt: (path) => lastByPath.get(path) ?? Number.NaN,
    arrivals,
    hold() {
      holding = true;
    },
    release() {
      holding = false;
      const n = parked.length;
      for (const res of parked.splice(0)) answer(res);
      return n;
    },
    setHanging(on) {
      hanging = on;
    },
    dropHung() {
      for (const res of hung) res.destroy();
      hung.clear();
    },
    reset() {
      counts.clear();
      lastByPath.clear();
      firstByPath.clear();
      arrivals.clear();
      total = 0;
      first = Number.NaN;
      last = Number.NaN;
    },
    async close() {
      if (closed) return;
      closed = true;
      holding = false;
      parked.length = 0;
      for (const res of hung) res.destroy();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await done;
    },
  };
}
