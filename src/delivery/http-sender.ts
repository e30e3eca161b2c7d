import { X509Certificate } from "node:crypto";
import fs from "node:fs";
import type { Readable } from "node:stream";
import tls from "node:tls";
import { Agent, errors, request } from "undici";
import { StartupError } from "../startup-failure.ts";
import type { HeaderPair } from "../store/types.ts";
import {
  type AddressPolicy,
  BlockedAddressError,
  checkUrlStatically,
  createPinnedLookup,
} from "../webhook/address-policy.ts";
import { keepResponseHeaders } from "./response-headers.ts";

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
  send(request: OutgoingRequest, stop?: AbortSignal): Promise<SendResult>;
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

  async function send(outgoing: OutgoingRequest, stop?: AbortSignal): Promise<SendResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    // IP-literal hosts never reach the lookup hook, so check the URL again here (config may also have changed).
    const check = checkUrlStatically(outgoing.url, {
      requireHttps: options.requireHttps,
      policy: options.policy,
    });
    if (!check.ok) return failed("blocked", check.reason, elapsed());
    if (stop?.aborted) return failed("interrupted", INTERRUPTED, elapsed());
    const deadline = startDeadline(options.timeoutMs, stop);
    const signal = deadline.signal;
    try {
      const response = await beforeDeadline(
        request(outgoing.url, {
          dispatcher: agent,
          method: outgoing.method,
          headers: outgoing.headers,
          body: outgoing.body,
          signal,
        }),
        signal,
        (late) => late.body.destroy(),
      );
      let responseText: string;
      try {
        responseText = await readBounded(response.body, RESPONSE_LIMIT_BYTES);
      } catch (error) {
        // The receiver answered already: its status stands, or a 2xx would be recorded as interrupted and re-sent.
        if (!stop?.aborted) throw error;
        responseText = INTERRUPTED;
      }
      const retryAfter = response.headers["retry-after"];
      return {
        statusCode: response.statusCode,
        responseText,
        retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
        durationMs: elapsed(),
        failure: undefined,
        responseHeaders: keepResponseHeaders(Object.entries(response.headers)),
      };
    } catch (error) {
      if (stop?.aborted) return failed("interrupted", INTERRUPTED, elapsed());
      return describeFailure(error, elapsed(), signal.aborted);
    } finally {
      deadline.dispose();
    }
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

/**
 * One attempt's total deadline, also aborted by `stop`. A plain AbortController with a timer that is cleared when
 * the attempt ends: `AbortSignal.timeout` + `AbortSignal.any` cost about 5 % of the worker's CPU under load (weak
 * references, composite-signal bookkeeping, and a timer that stays armed for the full timeout after every attempt
 * until the garbage collector releases it).
 */
export function startDeadline(timeoutMs: number, stop?: AbortSignal) {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException("The operation was aborted due to timeout", "TimeoutError")),
    timeoutMs,
  );
  timer.unref(); // like AbortSignal.timeout's: an attempt's deadline alone never keeps the process alive
  const onStop = () => controller.abort(stop?.reason);
  stop?.addEventListener("abort", onStop, { once: true });
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      stop?.removeEventListener("abort", onStop);
    },
  };
}

/**
 * Settles with `promise`, or rejects with the signal's reason as soon as it aborts: undici does not always honour an
 * abort at once (a connection still being set up keeps the request waiting), and the attempt's total time is bounded.
 * A value that arrives after the deadline is handed to `late` (to release its connection).
 */
function beforeDeadline<T>(promise: Promise<T>, signal: AbortSignal, late: (value: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        if (signal.aborted) late(value);
        else resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/** Reads at most `limit` bytes, then drops the connection: a huge or endless body costs nothing more. */
/**
 * The body's first `limit` bytes as text. Events rather than `for await`: an async iterator per response (with its
 * end-of-stream bookkeeping) was a few per cent of a delivery thread's CPU.
 */
function readBounded(body: Readable, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (error?: unknown) => {
      body.off("data", onData);
      body.off("end", onEnd);
      body.off("error", onError);
      body.off("close", onClose);
      if (error !== undefined) reject(error);
      else resolve(Buffer.concat(chunks, Math.min(size, limit)).toString("utf8"));
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size < limit) return;
      settle();
      // Destroying emits an abort error nobody waits for any more: it must not become an uncaught exception.
      body.on("error", () => {});
      body.destroy();
    };
    const onEnd = () => settle();
    const onError = (error: unknown) => settle(error);
    const onClose = () => settle(new Error("the response ended before its body was complete"));
    body.on("data", onData);
    body.on("end", onEnd);
    body.on("error", onError);
    body.on("close", onClose);
  });
}

function failed(failure: SendFailure, text: string, durationMs: number): SendResult {
  return { statusCode: 0, responseText: text, retryAfter: undefined, durationMs, failure };
}

function describeFailure(error: unknown, durationMs: number, aborted: boolean): SendResult {
  const chain: unknown[] = [];
  for (let e: unknown = error; e instanceof Error && chain.length < 5; e = e.cause) chain.push(e);
  const blocked = chain.find((e) => e instanceof BlockedAddressError);
  if (blocked instanceof BlockedAddressError) return failed("blocked", blocked.message, durationMs);
  if (
    aborted ||
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
