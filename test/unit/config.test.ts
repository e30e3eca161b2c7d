import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, loadConfig } from "../../src/config.ts";

const base = { DATABASE_URL: "/tmp/outbound-config-test/outbound.db" };

test("durations a timer cannot honour stop the start naming the variable", () => {
  // 0 would time out every attempt at once (or switch a slow-client bound off); beyond 2^31 - 1 ms Node's timers
  // fire after 1 ms, so an attempt given "30d" failed instantly with "request timed out".
  const refused: Array<[string, string]> = [
    ["OUTBOUND_REQUEST_TIMEOUT", "0"],
    ["OUTBOUND_REQUEST_TIMEOUT", "30d"],
    ["OUTBOUND_REQUEST_TIMEOUT", "99999h"],
    ["OUTBOUND_HEADERS_TIMEOUT", "0"],
    ["OUTBOUND_REQUEST_READ_TIMEOUT", "0ms"],
    ["OUTBOUND_REQUEST_READ_TIMEOUT", "25d"],
    ["OUTBOUND_SHUTDOWN_GRACE", "30d"],
  ];
  for (const [name, value] of refused) {
    assert.throws(
      () => loadConfig({ ...base, [name]: value }),
      (error: unknown) => error instanceof ConfigError && error.message.includes(name),
      `${name}=${value}`,
    );
  }
  const config = loadConfig({ ...base, OUTBOUND_REQUEST_TIMEOUT: "24d", OUTBOUND_SHUTDOWN_GRACE: "0" });
  assert.equal(config.requestTimeoutMs, 24 * 86_400_000);
  assert.equal(config.shutdownGraceMs, 0, "no grace at all is a valid choice");
});

test("OUTBOUND_WORKER_THREADS: one delivery thread where a second core exists, refusals name the reason", () => {
  const pg = { DATABASE_URL: "postgres://127.0.0.1/x", OUTBOUND_ENCRYPTION_KEY: "k".repeat(32) };
  const traces = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" };
  // [env, cores, threads beside the API (serve), threads of a delivery-only process (worker)]
  const chosen: Array<[Record<string, string>, number, number, number]> = [
    [base, 2, 1, 0],
    [base, 1, 0, 0],
    [{ ...base, ...traces }, 8, 0, 0],
    [{ DATABASE_URL: ":memory:" }, 8, 0, 0],
    [{ ...base, OUTBOUND_WORKER_THREADS: "0" }, 8, 0, 0],
    [{ ...base, OUTBOUND_WORKER_THREADS: "1" }, 1, 1, 1],
    [{ ...pg, OUTBOUND_WORKER_THREADS: "3" }, 2, 3, 3],
    [{ ...traces, ...base, OUTBOUND_WORKER_THREADS: "0" }, 2, 0, 0],
  ];
  for (const [env, cores, serve, worker] of chosen) {
    assert.deepEqual(
      loadConfig(env, cores).workerThreads,
      { serve, worker },
      `${JSON.stringify(env)} on ${cores} cores`,
    );
  }
  const refused: Array<[Record<string, string>, RegExp]> = [
    [{ ...base, OUTBOUND_WORKER_THREADS: "2" }, /at most 1 with SQLite/],
    [{ DATABASE_URL: ":memory:", OUTBOUND_WORKER_THREADS: "1" }, /in-memory/],
    [{ ...base, ...traces, OUTBOUND_WORKER_THREADS: "1" }, /traces/],
    [{ ...base, OUTBOUND_WORKER_THREADS: "two" }, /whole number/],
    [{ ...base, OUTBOUND_WORKER_THREADS: "65" }, /OUTBOUND_WORKER_THREADS/],
  ];
  for (const [env, reason] of refused) {
    assert.throws(
      () => loadConfig(env, 2),
      (error: unknown) =>
        error instanceof ConfigError &&
        /OUTBOUND_WORKER_THREADS/.test(error.message) &&
        reason.test(error.message),
      JSON.stringify(env),
    );
  }
});
