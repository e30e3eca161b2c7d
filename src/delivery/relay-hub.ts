import { randomBytes } from "node:crypto";
import type { StopSignal } from "./attempt-stop.ts";
import type { HttpSender, OutgoingRequest, SendResult } from "./http-sender.ts";
import { keepResponseHeaders } from "./response-headers.ts";

/**
 * `outbound listen`: deliveries to a relay endpoint are pushed down the CLI's stream instead of being sent over
 * HTTP, and the CLI reports the local receiver's answer back. The server never connects to the developer's
 * machine, so the address rules (SSRF) stay as they are. Relay URLs use the reserved `.invalid` domain
 * (RFC 2606): they never resolve, so nothing but this hub can deliver to them.
 */
export const RELAY_HOST = "relay.outbound.invalid";

const relayVerdicts = new Map<string, boolean>();
const MAX_RELAY_VERDICTS = 10_000;

/**
 * Whether a request goes to an `outbound listen` relay. Asked on every attempt, so the URL is parsed once per text
 * (a bounded cache): the parser, not a prefix test, decides, since it lower-cases and decodes the host.
 */
export function isRelayUrl(url: string): boolean {
  let verdict = relayVerdicts.get(url);
  if (verdict === undefined) {
    verdict = new URL(url).hostname === RELAY_HOST;
    if (relayVerdicts.size >= MAX_RELAY_VERDICTS) relayVerdicts.clear();
    relayVerdicts.set(url, verdict);
  }
  return verdict;
}

export interface RelayRequest {
  /** Answer with this id (`POST …/relay/answer/{id}`). */
  id: string;
  method: string;
  /** Query string of a GET delivery (without `?`), else "". */
  query: string;
  headers: Record<string, string>;
  body: string | null;
}

export interface RelayAnswer {
  /** The local receiver's status; 0 when it could not be reached. */
  status: number;
  body: string;
  /** The local receiver's response headers, as the CLI read them. */
  headers?: Array<[string, string]> | undefined;
}

export interface RelayHub {
  /** What every relay endpoint's URL starts with. */
  readonly urlPrefix: string;
  /** A fresh relay: its endpoint URL, and its token for `open`. */
  create(): { token: string; url: string };
  /** Starts pushing the relay's deliveries to `push`; the returned function stops (pending attempts fail). */
  open(token: string, push: (request: RelayRequest) => void): () => void;
  /** The CLI's report of one delivery; false when nothing waits for it (unknown, timed out). */
  answer(id: string, answer: RelayAnswer): boolean;
  /** `sender` for every URL except relay URLs, which go down the relay's stream. */
  wrap(sender: HttpSender): HttpSender;
}

const MAX_RESPONSE_CHARS = 20 * 1024;

export function createRelayHub(options: { timeoutMs: number; now?: () => number }): RelayHub {
  const now = options.now ?? Date.now;
  const listeners = new Map<string, (request: RelayRequest) => void>();
  const pending = new Map<string, { token: string; started: number; settle: (result: SendResult) => void }>();

  const failure = (text: string, failure: SendResult["failure"], started: number): SendResult => ({
    statusCode: 0,
    responseText: text,
    retryAfter: undefined,
    durationMs: now() - started,
    failure,
  });

  function sendToRelay(request: OutgoingRequest, stop: StopSignal | undefined): Promise<SendResult> {
    const started = now();
    const url = new URL(request.url);
    const token = url.pathname.split("/")[1] ?? "";
    const push = listeners.get(token);
    if (!push)
      return Promise.resolve(failure("no `outbound listen` is connected to this relay", "network", started));
    const id = randomBytes(16).toString("hex");
    return new Promise<SendResult>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const settle = (result: SendResult) => {
        if (!pending.delete(id)) return;
        clearTimeout(timer);
        stop?.removeEventListener("abort", onAbort);
        resolve(result);
      };
      const onAbort = () => settle(failure("interrupted by shutdown", "interrupted", started));
      timer = setTimeout(
        () => settle(failure("the relay did not answer in time", "timeout", started)),
        options.timeoutMs,
      );
      stop?.addEventListener("abort", onAbort, { once: true });
      pending.set(id, { token, started, settle });
      push({
        id,
        method: request.method,
        query: url.search.slice(1),
        headers: request.headers,
        body: request.body ?? null,
      });
    });
  }

  const urlPrefix = `https://${RELAY_HOST}/`;
  return {
    urlPrefix,
    create() {
      const token = randomBytes(16).toString("hex");
      return { token, url: `${urlPrefix}${token}` };
    },
    open(token, push) {
      listeners.set(token, push);
      return () => {
        if (listeners.get(token) === push) listeners.delete(token);
        for (const waiting of pending.values()) {
          if (waiting.token !== token) continue;
          waiting.settle(failure("`outbound listen` disconnected", "network", waiting.started));
        }
      };
    },
    answer(id, answer) {
      const waiting = pending.get(id);
      if (!waiting) return false;
      const text = answer.body.slice(0, MAX_RESPONSE_CHARS);
      waiting.settle(
        answer.status === 0
          ? failure(text || "the local receiver could not be reached", "network", waiting.started)
          : {
              statusCode: answer.status,
              responseText: text,
              retryAfter: undefined,
              durationMs: now() - waiting.started,
              failure: undefined,
              // An older CLI reports no headers: the attempt then says none were recorded.
              ...(answer.headers ? { responseHeaders: keepResponseHeaders(answer.headers) } : {}),
            },
      );
      return true;
    },
    wrap(sender) {
      return {
        send(request, stop) {
          return isRelayUrl(request.url) ? sendToRelay(request, stop) : sender.send(request, stop);
        },
        close: () => sender.close(),
      };
    },
  };
}
