/** The same suite as api.test.ts, against a fresh PostgreSQL database (see test/support/postgres.ts). */
import { test } from "node:test";
import { skipPostgres } from "../support/postgres.ts";

if (skipPostgres) {
  test("api suite on PostgreSQL", { skip: "OUTBOUND_TEST_SKIP_POSTGRES=1" }, () => {});
} else {
  process.env.OUTBOUND_TEST_STORE = "postgres";
  await import("./api.test.ts");
}
