import { X509Certificate } from "node:crypto";
import fs from "node:fs";
import tls from "node:tls";
import { Agent, type Dispatcher, errors } from "undici";
import type { IncomingHttpHeaders } from "undici/types/header.js";
import { StartupError } from "../startup-failure.ts";
import type { HeaderPair } from "../store/types.ts";
import {
  type AddressPolicy,
  BlockedAddressError,
  checkUrlStatically,
  createPinnedLookup,
} from "../webhook/address-policy.ts";
import type { StopSignal } from "./attempt-stop.ts";
import { keepResponseHeaderRecord } from "./response-headers.ts";

export const RESPONSE_LIMIT_BYTES = 20 * 1024;
/** The response text recorded for an attempt cut short by shutdown. */
export const INTERRUPTED = "interrupted by shutdown";

export interface OutgoingRequest {
  url: string;
  method: "POST" | "PUT" | "PATCH" | "GET";
  headers: Record<string, string>;
  body: string | undefined;
}

/** `interrupted`: the caller aborted the attempt (shutdown); it says nothing about the receiver. */
export type SendFailure = "timeout" | "network" | "blocked" | "interrupted";

export interface SendResult {
  /** 0 when no HTTP response was received. */
  statusCode: number;
  /** Response body (first 20 KiB) or a description of the network failure. */
  responseText: string;
  retryAfter: string | undefined;
  durationMs: number;
  failure: SendFailure | undefined;
  /** The response headers as received, bounded (keepResponseHeaders); absent when no HTTP response was received. */
  responseHeaders?: HeaderPair[];
}

export interface SenderOptions {
  timeoutMs: number;
  policy: AddressPolicy;
  requireHttps: boolean;
  caFile: string | undefined;
}

export interface HttpSender {
  /** `stop` aborts the attempt from outside (shutdown); the result then says `interrupted`. */
  send(request: OutgoingRequest, stop?: StopSignal): Promise<SendResult>;
  close(): Promise<void>;
}

/**
 * undici with keep-alive pools per origin. Every connection resolves through the pinned lookup, so the socket
 * connects to exactly the address that passed the SSRF check; redirects are never followed.
 */
export function createHttpSender(options: SenderOptions): HttpSender {
  const agent = new Agent({
    connect: {
      lookup: createPinnedLookup(options.policy),
      // `ca` replaces Node's trust store, so the extra certificates are added to the default ones (bundled,
      // NODE_EXTRA_CA_CERTS, system if enabled): public https endpoints must keep working with a CA file set.
      ...(options.caFile ? { ca: [...tls.getCACertificates("default"), readCaFile(options.caFile)] } : {}),
      // undici's default is 10 s, and an abort does not interrupt a connect or TLS handshake in progress.
      timeout: options.timeoutMs,
    },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    // No per-origin connection cap: the worker already bounds attempts in flight (per endpoint and per process),
    // and a pool cap per origin would let a few hung endpoints on a shared host starve the others on it.
    connections: null,
    keepAliveTimeout: 30_000,
  });

  const targetOf = targetCache(options);

  function send(outgoing: OutgoingRequest, stop?: StopSignal): Promise<SendResult> {
    const started = performance.now();
    // IP-literal hosts never reach the lookup hook, so check the URL again here (config may also have changed).
    const target = targetOf(outgoing.url);
    if (!target.ok) return Promise.resolve(failed("blocked", target.reason, elapsedSince(started)));
    if (stop?.aborted) return Promise.resolve(failed("interrupted", INTERRUPTED, elapsedSince(started)));
    return new Promise((resolve) => {
      const attempt = new Attempt(started, options.timeoutMs, stop, resolve);
      agent.dispatch(
        {
          origin: target.origin,
          path: target.path,
          method: outgoing.method,
          headers: outgoing.headers,
          body: outgoing.body,
        },
        attempt,
      );
    });
  }

  return {
    send,
    async close() {
      // Attempts still open at this point were aborted and recorded: drop their sockets rather than wait on them.
      await agent.destroy();
    },
  };
}

/**
 * Reads the extra CA certificates once, at start-up: a wrong path or a file that is not PEM stops the start with
 * one line instead of failing every https delivery later.
 */
export function readCaFile(file: string): string {
  let pem: string;
  try {
    pem = fs.readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new StartupError(
      `OUTBOUND_CA_FILE: cannot read ${file} (${code}). Point it at a readable PEM file of CA certificates, or unset it.`,
    );
  }
  try {
    new X509Certificate(pem);
  } catch {
    throw new StartupError(
      `OUTBOUND_CA_FILE: ${file} holds no PEM certificate ("-----BEGIN CERTIFICATE-----"). Point it at a PEM file of CA certificates.`,
    );
  }
  return pem;
}

/** Where a URL's request goes, or why it may not go out; what undici's `request()` derives from the URL. */
type Target = { ok: true; origin: string; path: string } | { ok: false; reason: string };
const MAX_CACHED_TARGETS = 10_000;

/**
 * The static check of each URL (checkUrlStatically) and its origin and path, once per URL text: parsing a URL twice
 * per attempt was a few per cent of a delivery thread's CPU. Exact, because the verdict depends only on the URL and
 * on this sender's fixed options; the address the socket connects to is still checked at every connect
 * (createPinnedLookup), so DNS answers are never cached here. A GET delivery's URL changes per message: the cache
 * then simply starts over when full.
 */
function targetCache(options: SenderOptions): (url: string) => Target {
  const targets = new Map<string, Target>();
  return (url) => {
    let target = targets.get(url);
    if (target === undefined) {
      const check = checkUrlStatically(url, { requireHttps: options.requireHttps, policy: options.policy });
      target = check.ok
        ? { ok: true, origin: check.url.origin, path: `${check.url.pathname}${check.url.search}` }
        : { ok: false, reason: check.reason };
      if (targets.size >= MAX_CACHED_TARGETS) targets.clear();
      targets.set(url, target);
    }
    return target;
  };
}

const elapsedSince = (started: number) => Math.round(performance.now() - started);

/**
 * One attempt, as undici's dispatch handler: the response's status, headers and first RESPONSE_LIMIT_BYTES of body,
 * within a total deadline, or until `stop` (shutdown). It settles once; whatever undici reports after that is ignored,
 * and a request still waiting for its connection is aborted as soon as undici hands it over.
 *
 * A handler rather than `request()`: that wraps every attempt in an AsyncResource, an AbortSignal with its listeners
 * and a Readable for the body, which together were about a tenth of a delivery thread's CPU.
 */
class Attempt implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  /** Why the attempt ended before undici did: handed to undici's abort. */
  private abortReason: Error | undefined;
  private settled = false;
  private statusCode = 0;
  private headers: IncomingHttpHeaders | undefined;
  private chunks: Buffer[] = [];
  private size = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly started: number;
  private readonly stop: StopSignal | undefined;
  private readonly resolve: (result: SendResult) => void;

  constructor(
    started: number,
    timeoutMs: number,
    stop: StopSignal | undefined,
    resolve: (result: SendResult) => void,
  ) {
    this.started = started;
    this.stop = stop;
    this.resolve = resolve;
    this.timer = setTimeout(onDeadline, timeoutMs, this);
    this.timer.unref(); // an attempt's deadline alone never keeps the process alive
    // The attempt itself listens (handleEvent): no closure per attempt.
    stop?.addEventListener("abort", this, { once: true });
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    if (this.abortReason) controller.abort(this.abortReason);
    else this.controller = controller;
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    if (statusCode < 200 || this.settled) return; // 1xx: the real answer follows
    this.statusCode = statusCode;
    this.headers = headers;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) return;
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size < RESPONSE_LIMIT_BYTES) return;
    // Enough read: answer now and drop the connection, so a huge or endless body costs nothing more.
    this.answer(this.text());
    controller.abort(new errors.RequestAbortedError());
  }

  onResponseEnd(): void {
    if (!this.settled) this.answer(this.text());
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.settled) return;
    if (this.stop?.aborted) this.interrupted();
    else this.settle(describeFailure(error, elapsedSince(this.started)));
  }

  /** `stop` aborted: shutdown. */
  handleEvent(): void {
    if (this.settled) return;
    this.interrupted();
    this.abort(this.stop?.reason);
  }

  deadline(): void {
    if (this.settled) return;
    this.settle(failed("timeout", "request timed out", elapsedSince(this.started)));
    this.abort(new DOMException("The operation was aborted due to timeout", "TimeoutError"));
  }

  /** Shutdown: once the receiver has answered its status stands, or a 2xx would be recorded as interrupted and re-sent. */
  private interrupted(): void {
    if (this.headers) this.answer(INTERRUPTED);
    else this.settle(failed("interrupted", INTERRUPTED, elapsedSince(this.started)));
  }

  private abort(reason: unknown): void {
    this.abortReason = reason instanceof Error ? reason : new errors.RequestAbortedError();
    this.controller?.abort(this.abortReason);
  }

  private text(): string {
    const length = Math.min(this.size, RESPONSE_LIMIT_BYTES);
    const [first] = this.chunks;
    if (first === undefined) return "";
    // One chunk (most answers): decoded in place, no copy.
    if (this.chunks.length === 1) return first.toString("utf8", 0, length);
    return Buffer.concat(this.chunks, length).toString("utf8");
  }

  private answer(responseText: string): void {
    const headers = this.headers ?? {};
    const retryAfter = headers["retry-after"];
    this.settle({
      statusCode: this.statusCode,
      responseText,
      retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
      durationMs: elapsedSince(this.started),
      failure: undefined,
      responseHeaders: keepResponseHeaderRecord(headers),
    });
  }

  private settle(result: SendResult): void {
    this.settled = true;
    this.chunks = [];
    clearTimeout(this.timer);
    this.stop?.removeEventListener("abort", this);
    this.resolve(result);
  }
}

function onDeadline(attempt: Attempt): void {
  attempt.deadline();
}

function failed(failure: SendFailure, text: string, durationMs: number): SendResult {
  return { statusCode: 0, responseText: text, retryAfter: undefined, durationMs, failure };
}

function describeFailure(error: unknown, durationMs: number): SendResult {
  const chain: unknown[] = [];
  for (let e: unknown = error; e instanceof Error && chain.length < 5; e = e.cause) chain.push(e);
  const blocked = chain.find((e) => e instanceof BlockedAddressError);
  if (blocked instanceof BlockedAddressError) return failed("blocked", blocked.message, durationMs);
  if (
    chain.some(
      (e) =>
        e instanceof errors.HeadersTimeoutError ||
        e instanceof errors.BodyTimeoutError ||
        e instanceof errors.ConnectTimeoutError,
    )
  ) {
    return failed("timeout", "request timed out", durationMs);
  }
  const first = chain[0];
  const errorCode = first instanceof Error && "code" in first ? first.code : undefined;
  const code = typeof errorCode === "string" && errorCode !== "" ? ` (${errorCode})` : "";
  const message = first instanceof Error ? first.message : String(error);
  return failed("network", `${message}${code}`, durationMs);
}
