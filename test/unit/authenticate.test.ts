import assert from "node:assert/strict";
import { test } from "node:test";
import type { Context } from "../../src/domain/context.ts";
import { authenticate } from "../../src/domain/tokens.ts";

/** A context with only what `authenticate` reads: the configured token, a store without stored tokens, a clock. */
function contextWith(apiToken: string | undefined): Context {
  return {
    config: { apiToken },
    store: { findTokenByHash: async () => null },
    now: () => 0,
  } as unknown as Context;
}

test("the configured token authenticates as the operator every time, also once it was seen before", async () => {
  const ctx = contextWith("operator-token-1");
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(await authenticate(ctx, "operator-token-1"), { kind: "admin", tokenId: null });
  }
  assert.equal(await authenticate(ctx, "operator-token-2"), null);
  assert.equal(await authenticate(ctx, "operator-token-"), null);
  assert.equal(await authenticate(ctx, "operator-token-1 "), null);
});

test("a token seen as one server's configured token is nothing to a server configured with another", async () => {
  const first = contextWith("first-server-token");
  const second = contextWith("second-server-token");
  const unconfigured = contextWith(undefined);
  assert.equal((await authenticate(first, "first-server-token"))?.kind, "admin");
  assert.equal(await authenticate(second, "first-server-token"), null);
  assert.equal(await authenticate(unconfigured, "first-server-token"), null);
  assert.equal((await authenticate(second, "second-server-token"))?.kind, "admin");
  assert.equal((await authenticate(first, "first-server-token"))?.kind, "admin");
});
