/**
 * Closed-loop load generator: `concurrency` workers share one undici Pool and send `count` requests in total,
 * each worker starting its next request as soon as the previous one is answered.
 */
import { Pool } from "undici";

export interface LoadRequest {
  method: "GET" | "POST";
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadOptions {
  origin: string;
  count: number;
  concurrency: number;
  /** Pool connections; defaults to `concurrency`. */
  connections?: number;
  request: (i: number) => LoadRequest;
  /** Status a request must answer to count as ok (others count as errors). */
  expectStatus: number;
  /** Called with the parsed-as-text body of every ok answer (only then is the body read as text). */
  onBody?: (i: number, body: string) => void;
  /** Record each request's latency (ms). */
  recordLatency?: boolean;
  /** Give up (and report what finished) after this long. */
  timeoutMs: number;
}

export interface LoadResult {
  sent: number;
  ok: number;
  errors: number;
  firstError: string | undefined;
  elapsedMs: number;
  /** ok answers per second. */
  rps: number;
  latenciesMs: number[];
  timedOut: boolean;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const pool = new Pool(options.origin, {
    connections: options.connections ?? options.concurrency,
    pipelining: 1,
    keepAliveTimeout: 30_000,
  });
  const latencies: number[] = [];
  let next = 0;
  let ok = 0;
  let errors = 0;
  let firstError: string | undefined;
  let timedOut = false;
  const deadline = performance.now() + options.timeoutMs;
  const started = performance.now();

  async function worker(): Promise<void> {
    while (next < options.count) {
      if (performance.now() > deadline) {
        timedOut = true;
        return;
      }
      const i = next++;
      const req = options.request(i);
      const t0 = performance.now();
      try {
        const res = await pool.request({
          method: req.method,
          path: req.path,
          headers: req.headers,
          body: req.body,
          headersTimeout: 30_000,
          bodyTimeout: 30_000,
        });
        if (res.statusCode === options.expectStatus) {
          if (options.onBody) options.onBody(i, await res.body.text());
          else await res.body.dump();
          ok += 1;
          if (options.recordLatency) latencies.push(performance.now() - t0);
        } else {
          const text = await res.body.text();
          errors += 1;
          firstError ??= `HTTP ${res.statusCode}: ${text.slice(0, 200)}`;
        }
      } catch (error) {
        errors += 1;
        firstError ??= (error as Error).message;
      }
    }
  }

  try {
    await Promise.all(Array.from({ length: options.concurrency }, () => worker()));
  } finally {
    await pool.close().catch(() => pool.destroy());
  }
  const elapsedMs = performance.now() - started;
  return {
    sent: Math.min(next, options.count),
    ok,
    errors,
    firstError,
    elapsedMs,
    rps: (ok / elapsedMs) * 1000,
    latenciesMs: latencies,
    timedOut,
  };
}

/** Throws unless every request of a load run was answered as expected. */
export function requireClean(result: LoadResult, what: string): void {
  if (result.errors > 0 || result.timedOut || result.ok < result.sent) {
    throw new Error(
      `${what}: ${result.ok} ok, ${result.errors} errors${result.timedOut ? ", timed out" : ""}` +
        (result.firstError ? ` (first error: ${result.firstError})` : ""),
    );
  }
}

/** A ~300-byte JSON payload (the size the baseline sends too), unique per `i`. */
export function payloadFor(i: number): Record<string, unknown> {
  return {
    type: "invoice.paid",
    data: {
      id: `inv_${String(i).padStart(10, "0")}`,
      customer: "cus_4f9d2c7a1b3e5f60",
      amount: 4200 + (i % 1000),
      currency: "usd",
      status: "paid",
      lines: [
        { sku: "plan-pro-monthly", quantity: 1, amount: 3900 },
        { sku: "addon-seats", quantity: 3, amount: 300 },
      ],
      metadata: { region: "eu-west", source: "bench" },
    },
  };
}
