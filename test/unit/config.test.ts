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
