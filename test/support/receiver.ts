/**
 * A real HTTP webhook receiver on 127.0.0.1 for end-to-end tests: records every request and answers
 * with whatever the test scripted (status, headers, body, delay — or never, for a hung endpoint).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

export interface ReceivedRequest {
  /** 1-based arrival order. */
  n: number;
  method: string;
  /** Path and query, e.g. `/hook?x=1`. */
  url: string;
  /** Lower-cased header names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The raw body exactly as received. */
  body: string;
  /** `Date.now()` when the request arrived. */
  receivedAt: number;
}

export interface ScriptedResponse {
  /** Default 200. */
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Wait before answering; `Infinity` never answers (the socket stays open until `close`). */
  delayMs?: number;
  /** Answer only once this settles (see `createGate`): a slow receiver the test releases when it chooses. */
  until?: Promise<unknown>;
}

export interface Gate {
  readonly promise: Promise<void>;
  open(): void;
}

/** A promise the test resolves by hand: `{ until: gate.promise }` holds requests until `gate.open()`. */
export function createGate(): Gate {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Decides the answer to the `n`-th request (1-based); `undefined` means a plain 200. */
export type Responder = (req: ReceivedRequest, n: number) => ScriptedResponse | undefined;

export interface Receiver {
  /** URL to register as an endpoint, e.g. `http://127.0.0.1:40123/hook`. */
  readonly url: string;
  readonly port: number;
  /** Every request so far, in arrival order. */
  readonly requests: ReceivedRequest[];
  /** Replaces the responder for requests that arrive from now on. */
  respondWith(responder: Responder): void;
  /** Resolves with all requests once at least `count` arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  /** Resolves once `predicate(requests)` holds; rejects after `timeoutMs` with `what` in the message. */
  waitUntil(
    predicate: (requests: ReceivedRequest[]) => boolean,
    what: string,
    timeoutMs?: number,
  ): Promise<void>;
  /** Verifies every recorded request with `new Webhook(secret).verify(body, headers)`; throws on the first failure. */
  verify(secret: string): void;
  /** The `webhook-id` header of every request, in arrival order. */
  messageIds(): string[];
  close(): Promise<void>;
}

const DEFAULT_WAIT_MS = 15_000;

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return headers;
}

function describe(requests: ReceivedRequest[]): string {
  if (requests.length === 0) return "none";
  return requests
    .slice(-10)
    .map((r) => `#${r.n} ${r.method} ${r.url} webhook-id=${r.headers["webhook-id"] ?? "-"}`)
    .join("; ");
}

/** Verifies one request with the standardwebhooks package; throws `WebhookVerificationError` if it does not verify. */
export function verifyRequest(req: ReceivedRequest, secret: string): unknown {
  return new Webhook(secret).verify(req.body, req.headers);
}

export async function startReceiver(responder: Responder = () => undefined): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const listeners = new Set<() => void>();
  let respond = responder;
  let closed = false;

  const answer = (res: ServerResponse, scripted: ScriptedResponse | undefined) => {
    const status = scripted?.status ?? 200;
    res.writeHead(status, { "content-type": "text/plain", ...scripted?.headers });
    res.end(scripted?.body ?? "ok");
  };

  const server = createServer((req, res) => {
    const receivedAt = Date.now();
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const record: ReceivedRequest = {
        n: requests.length + 1,
        method: req.method ?? "",
        url: req.url ?? "",
        headers: flattenHeaders(req),
        body: Buffer.concat(chunks).toString("utf8"),
        receivedAt,
      };
      requests.push(record);
      let scripted: ScriptedResponse | undefined;
      try {
        scripted = respond(record, record.n);
      } catch (error) {
        scripted = { status: 500, body: `responder threw: ${(error as Error).message}` };
      }
      for (const notify of [...listeners]) notify();
      if (scripted?.until) {
        const held = scripted;
        void held.until?.then(() => {
          if (!res.destroyed) answer(res, { ...held, until: undefined });
        });
        return;
      }
      const delay = scripted?.delayMs ?? 0;
      if (delay === Number.POSITIVE_INFINITY) return; // hung endpoint: never answer
      if (delay <= 0) {
        answer(res, scripted);
        return;
      }
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!res.destroyed) answer(res, scripted);
      }, delay);
      timers.add(timer);
    });
  });
  server.keepAliveTimeout = 1_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;

  const waitUntil = (
    predicate: (all: ReceivedRequest[]) => boolean,
    what: string,
    timeoutMs = DEFAULT_WAIT_MS,
  ) =>
    new Promise<void>((resolve, reject) => {
      if (predicate(requests)) {
        resolve();
        return;
      }
      const check = () => {
        if (!predicate(requests)) return;
        clearTimeout(timer);
        listeners.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(
          new Error(
            `receiver on port ${port}: timed out after ${timeoutMs} ms waiting for ${what}; ` +
              `${requests.length} request(s) arrived (last: ${describe(requests)})`,
          ),
        );
      }, timeoutMs);
      listeners.add(check);
    });

  return {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    requests,
    respondWith(next) {
      respond = next;
    },
    async waitFor(count, timeoutMs = DEFAULT_WAIT_MS) {
      await waitUntil((all) => all.length >= count, `at least ${count} request(s)`, timeoutMs);
      return requests;
    },
    waitUntil,
    verify(secret) {
      for (const req of requests) {
        try {
          verifyRequest(req, secret);
        } catch (error) {
          throw new Error(
            `request #${req.n} (webhook-id ${req.headers["webhook-id"]}) does not verify: ${(error as Error).message}`,
          );
        }
      }
    },
    messageIds: () => requests.map((r) => r.headers["webhook-id"] ?? ""),
    async close() {
      if (closed) return;
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await done;
    },
  };
}
