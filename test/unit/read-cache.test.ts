import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { newId } from "../../src/ids.ts";
import { withReadCache } from "../../src/store/read-cache.ts";
import { createSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { endpointRow } from "../support/rows.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "outbound-cache-"));
const inner = createSqliteStore(path.join(dir, "cache.db"));
after(async () => {
  await inner.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("routing reads are cached, invalidated by writes through the cache, and expire for other writers", async () => {
  const ttl = 200;
  let clock = 1_000_000;
  const cached = withReadCache(inner, ttl, () => clock);
  const now = clock;
  const app = {
    id: newId("app"),
    uid: "cache-app",
    name: "a",
    metadata: {},
    throttleRate: null,
    requireHttps: false,
    createdAt: now,
    updatedAt: now,
  };
  await cached.insertApplication(app);
  assert.equal((await cached.getApplication("cache-app"))?.id, app.id);
  assert.deepEqual(await cached.listEnabledEndpoints(app.id), []);

  const first = endpointRow({ id: newId("ep"), appId: app.id });
  await cached.insertEndpoint(first);
  assert.equal(
    (await cached.listEnabledEndpoints(app.id)).length,
    1,
    "a write through the cache shows at once",
  );

  await cached.updateEndpoint({ ...first, disabled: true });
  assert.equal((await cached.listEnabledEndpoints(app.id)).length, 0, "disabling shows at once");

  // Another process (here: the inner store directly) adds an endpoint: visible after the TTL, not before.
  await inner.insertEndpoint(endpointRow({ id: newId("ep"), appId: app.id }));
  assert.equal((await cached.listEnabledEndpoints(app.id)).length, 0);
  clock += ttl - 1;
  assert.equal((await cached.listEnabledEndpoints(app.id)).length, 0, "still within the TTL");
  clock += 1;
  assert.equal((await cached.listEnabledEndpoints(app.id)).length, 1, "expired at the TTL");

  await cached.deleteApplication(app.id);
  assert.equal(await cached.getApplication("cache-app"), null);
});
