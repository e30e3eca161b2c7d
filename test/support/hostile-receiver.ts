/**
 * A loopback fault-injection webhook receiver: one misbehaviour per path, spoken over raw TCP (or TLS) so that it
 * can break HTTP in ways a well-behaved `node:http` server cannot.
 *
 * | path | behaviour |
 * | --- | --- |
 * | `/hang` | reads the request, never answers |
 * | `/slow-headers` | trickles the status line and headers, one byte per second |
 * | `/slow-body` | 200 headers, then one body byte per second, forever |
 * | `/reset` | destroys the socket (TCP RST) as soon as the request arrives |
 * | `/close-mid-body` | headers with content-length 1000, 10 body bytes, then closes |
 * | `/huge` | 200 with a 1 GB content-length, streamed as fast as the client reads |
 * | `/endless` | 200 chunked, endless |
 * | `/redirect-301`, `/redirect-302`, `/redirect-307` | redirect to this receiver's own `/ok` |
 * | `/gone` | 410 |
 * | `/gone-slow` | 410 after 500 ms (so several deliveries are in flight when the first answer arrives) |
 * | `/429-seconds` | 429, `Retry-After: 1` |
 * | `/503-date` | 503, `Retry-After` an HTTP date 2–3 s ahead |
 * | `/503-absurd` | 503, `Retry-After: 999999999` |
 * | `/garbage` | writes `NOT HTTP\r\n\r\n` and closes |
 * | `/ok` | 200 `ok` (keep-alive) |
 *
 * Anything else answers 404. Query strings are ignored for routing. Every request is counted per path with its
 * arrival time; `close()` clears every timer and destroys every socket.
 */
import net from "node:net";
import tls from "node:tls";

export const HOSTILE_PATHS = [
  "/hang",
  "/slow-headers",
  "/slow-body",
  "/reset",
  "/close-mid-body",
  "/huge",
  "/endless",
  "/redirect-301",
  "/redirect-302",
  "/redirect-307",
  "/gone",
  "/gone-slow",
  "/429-seconds",
  "/503-date",
  "/503-absurd",
  "/garbage",
  "/ok",
] as const;

export type HostilePath = (typeof HOSTILE_PATHS)[number];

/** `/huge` announces (and, if read that far, sends) this many bytes. */
export const HUGE_BYTES = 1_000_000_000;
/** The slow behaviours write one byte this often. */
export const TRICKLE_EVERY_MS = 1_000;

const CHUNK = Buffer.alloc(64 * 1024, "x");
/** A request head larger than this is refused (the receiver only needs the request line). */
const MAX_HEAD_BYTES = 64 * 1024;

export interface HostileHit {
  path: string;
  method: string;
  receivedAt: number;
}

export interface HostileReceiverOptions {
  /** Serve TLS with this key and certificate (PEM) instead of plain TCP. */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

export interface HostileReceiver {
  /** `http://127.0.0.1:<port>` or `https://…` (no trailing slash). */
  readonly origin: string;
  readonly port: number;
  /** The URL of one behaviour, e.g. `url("/hang")`. */
  url(path: HostilePath | string): string;
  /** How many requests arrived for `path` (query stripped). */
  hits(path: string): number;
  /** Arrival times (`Date.now()`) of the requests for `path`, in order. */
  arrivals(path: string): number[];
  /** Every request so far, in arrival order. */
  readonly log: readonly HostileHit[];
  /** Bytes written by the `/huge` and `/endless` behaviours so far (all sockets). */
  bytesStreamed(): number;
  /** `/huge` and `/endless` responses whose socket is still open (once 0, `bytesStreamed` can no longer grow). */
  streamsOpen(): number;
  /** Resolves once `path` has at least `count` hits; rejects after `timeoutMs`. */
  waitForHits(path: string, count: number, timeoutMs?: number): Promise<number[]>;
  /** Sockets currently open. */
  openSockets(): number;
  close(): Promise<void>;
}

interface ParsedHead {
  method: string;
  path: string;
  contentLength: number;
  chunked: boolean;
}

function parseHead(head: string): ParsedHead | null {
  const [requestLine, ...headerLines] = head.split("\r\n");
  const match = /^([A-Z]+) (\S+) HTTP\/1\.[01]$/.exec(requestLine ?? "");
  if (!match) return null;
  let contentLength = 0;
  let chunked = false;
  for (const line of headerLines) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "content-length") contentLength = Number(value) || 0;
    if (name === "transfer-encoding" && /chunked/i.test(value)) chunked = true;
  }
  const target = match[2] ?? "/";
  return { method: match[1] ?? "", path: target.split("?")[0] ?? target, contentLength, chunked };
}

function response(status: string, headers: Record<string, string | number>, body = ""): string {
  const lines = Object.entries({ ...headers, "content-length": Buffer.byteLength(body) }).map(
    ([name, value]) => `${name}: ${value}`,
  );
  return `HTTP/1.1 ${status}\r\n${lines.join("\r\n")}\r\n\r\n${body}`;
}

export async function startHostileReceiver(options: HostileReceiverOptions = {}): Promise<HostileReceiver> {
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const log: HostileHit[] = [];
  const byPath = new Map<string, number[]>();
  const listeners = new Set<() => void>();
  let streamed = 0;
  let streamsOpen = 0;
  let closed = false;
  let origin = "";

  const every = (socket: net.Socket, ms: number, tick: () => boolean) => {
    const timer = setInterval(() => {
      if (socket.destroyed || !tick()) {
        clearInterval(timer);
        timers.delete(timer);
      }
    }, ms);
    timers.add(timer);
    socket.once("close", () => {
      clearInterval(timer);
      timers.delete(timer);
    });
  };

  /** Writes `total` bytes (or forever) as fast as the peer reads, never buffering more than one chunk. */
  const stream = (socket: net.Socket, total: number | null, frame: (chunk: Buffer) => Buffer | string) => {
    let left = total ?? Number.POSITIVE_INFINITY;
    streamsOpen += 1;
    socket.once("close", () => {
      streamsOpen -= 1;
    });
    const pump = () => {
      while (!socket.destroyed && left > 0) {
        const piece = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
        left -= piece.length;
        streamed += piece.length;
        if (!socket.write(frame(piece))) {
          socket.once("drain", pump);
          return;
        }
      }
      if (!socket.destroyed && left <= 0) socket.end();
    };
    pump();
  };

  const behave = (socket: net.Socket, path: string): "keep-alive" | "taken" => {
    switch (path) {
      case "/ok":
        socket.write(response("200 OK", { "content-type": "text/plain" }, "ok"));
        return "keep-alive";
      case "/hang":
        return "taken";
      case "/slow-headers": {
        const bytes = Buffer.from(response("200 OK", { "content-type": "text/plain" }, "ok"));
        let next = 0;
        every(socket, TRICKLE_EVERY_MS, () => {
          socket.write(bytes.subarray(next, next + 1));
          next += 1;
          return next < bytes.length;
        });
        socket.write(bytes.subarray(0, 1));
        next = 1;
        return "taken";
      }
      case "/slow-body":
        socket.write("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 1000000000\r\n\r\n");
        every(socket, TRICKLE_EVERY_MS, () => {
          socket.write("x");
          return true;
        });
        return "taken";
      case "/reset":
        // A TCP RST where the socket supports it (plain TCP); a TLS socket is simply destroyed.
        if (socket instanceof tls.TLSSocket) socket.destroy();
        else socket.resetAndDestroy();
        return "taken";
      case "/close-mid-body":
        socket.end("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 1000\r\n\r\n0123456789");
        return "taken";
      case "/huge":
        socket.write(
          `HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: ${HUGE_BYTES}\r\n\r\n`,
        );
        stream(socket, HUGE_BYTES, (chunk) => chunk);
        return "taken";
      case "/endless":
        socket.write("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n");
        stream(socket, null, (chunk) =>
          Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from("\r\n")]),
        );
        return "taken";
      case "/redirect-301":
      case "/redirect-302":
      case "/redirect-307": {
        const code = path.slice("/redirect-".length);
        const reason = { "301": "Moved Permanently", "302": "Found", "307": "Temporary Redirect" }[code];
        socket.write(response(`${code} ${reason}`, { location: `${origin}/ok` }, "moved"));
        return "keep-alive";
      }
      case "/gone":
        socket.write(response("410 Gone", { "content-type": "text/plain" }, "gone"));
        return "keep-alive";
      case "/gone-slow": {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!socket.destroyed) socket.write(response("410 Gone", { "content-type": "text/plain" }, "gone"));
        }, 500);
        timers.add(timer);
        return "keep-alive";
      }
      case "/429-seconds":
        socket.write(response("429 Too Many Requests", { "retry-after": "1" }, "slow down"));
        return "keep-alive";
      case "/503-date": {
        // Rounded up to a whole second (HTTP dates have no fractions), then 2 s more: 2–3 s from now.
        const at = new Date(Math.ceil(Date.now() / 1000) * 1000 + 2_000);
        socket.write(response("503 Service Unavailable", { "retry-after": at.toUTCString() }, "later"));
        return "keep-alive";
      }
      case "/503-absurd":
        socket.write(response("503 Service Unavailable", { "retry-after": "999999999" }, "much later"));
        return "keep-alive";
      case "/garbage":
        socket.end("NOT HTTP\r\n\r\n");
        return "taken";
      default:
        socket.write(response("404 Not Found", { "content-type": "text/plain" }, "no such behaviour"));
        return "keep-alive";
    }
  };

  const onConnection = (socket: net.Socket) => {
    if (closed) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let buffered = Buffer.alloc(0);
    let taken = false;
    socket.on("data", (data: Buffer) => {
      if (taken) return; // the behaviour owns the socket now; whatever else the client sends is ignored
      buffered = Buffer.concat([buffered, data]);
      for (;;) {
        const end = buffered.indexOf("\r\n\r\n");
        if (end < 0) {
          if (buffered.length > MAX_HEAD_BYTES) socket.destroy();
          return;
        }
        const head = parseHead(buffered.subarray(0, end).toString("latin1"));
        if (!head || head.chunked) {
          // This receiver only understands content-length bodies; anything else is answered and dropped.
          taken = true;
          socket.end(response("400 Bad Request", { connection: "close" }, "unsupported request"));
          return;
        }
        const total = end + 4 + head.contentLength;
        if (buffered.length < total) return;
        buffered = buffered.subarray(total);
        const hit: HostileHit = { path: head.path, method: head.method, receivedAt: Date.now() };
        log.push(hit);
        const times = byPath.get(head.path) ?? [];
        times.push(hit.receivedAt);
        byPath.set(head.path, times);
        for (const notify of [...listeners]) notify();
        if (behave(socket, head.path) === "taken") {
          taken = true;
          return;
        }
      }
    });
  };

  const server = options.tls
    ? tls.createServer({ key: options.tls.key, cert: options.tls.cert }, onConnection)
    : net.createServer(onConnection);
  // A TLS handshake failure (client refuses the certificate) is an expected outcome, not a crash.
  server.on("tlsClientError", () => {});
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("hostile receiver has no port");
  const port = address.port;
  origin = `${options.tls ? "https" : "http"}://127.0.0.1:${port}`;

  const arrivals = (path: string) => [...(byPath.get(path) ?? [])];

  return {
    origin,
    port,
    url: (path) => `${origin}${path}`,
    hits: (path) => byPath.get(path)?.length ?? 0,
    arrivals,
    log,
    bytesStreamed: () => streamed,
    streamsOpen: () => streamsOpen,
    openSockets: () => sockets.size,
    waitForHits(path, count, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if ((byPath.get(path)?.length ?? 0) < count) return false;
          clearTimeout(timer);
          listeners.delete(check);
          resolve(arrivals(path));
          return true;
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(
            new Error(
              `hostile receiver: timed out after ${timeoutMs} ms waiting for ${count} hit(s) on ${path}; ` +
                `got ${byPath.get(path)?.length ?? 0}`,
            ),
          );
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      await done;
    },
  };
}
