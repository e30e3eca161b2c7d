/** Store contract for Svix parity on messages: tags filter listings; a scheduled delivery is not claimed early. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { newId } from "../../src/ids.ts";
import type { Store } from "../../src/store/store.ts";
import type { PageQuery } from "../../src/store/types.ts";
import { applicationRow, endpointRow, messageRow, openClaim, pendingDelivery } from "../support/rows.ts";
import { storeFactories } from "./store-factories.ts";

const T0 = 1_800_000_000_000;
const page: PageQuery = { limit: 50, cursor: null, direction: "next", order: "asc" };

for (const factory of storeFactories) {
  describe(`Store conformance (message schedule and tags): ${factory.name}`, () => {
    let store: Store;
    let dispose: () => Promise<void>;
    before(async () => {
      ({ store, dispose } = await factory.create());
    });
    after(async () => dispose());

    test("tags and deliverAt round-trip; the tag filter narrows message, endpoint-message and attempt listings", async () => {
      const app = applicationRow(T0);
      await store.insertApplication(app);
      const ep = endpointRow({ id: newId("ep", T0), appId: app.id, createdAt: T0, updatedAt: T0 });
      await store.insertEndpoint(ep);
      const red = messageRow(app.id, T0 + 1, { tags: ["red", "project/1#a"], deliverAt: T0 + 5_000 });
      const blue = messageRow(app.id, T0 + 2, { tags: ["blue"] });
      const plain = messageRow(app.id, T0 + 3);
      for (const m of [red, blue, plain]) await store.insertMessage(m, [pendingDelivery(m, ep.id, T0)]);

      const stored = await store.getMessage(app.id, red.id);
      assert.deepEqual(stored?.tags, ["red", "project/1#a"]);
      assert.equal(stored?.deliverAt, T0 + 5_000);
      assert.equal((await store.getMessage(app.id, plain.id))?.tags, null);

      const ids = (items: Array<{ id: string }>) => items.map((m) => m.id);
      assert.deepEqual(ids((await store.listMessages(app.id, { tag: "project/1#a" }, page)).items), [red.id]);
      assert.deepEqual(ids((await store.listMessages(app.id, { tag: "blue" }, page)).items), [blue.id]);
      assert.deepEqual(ids((await store.listMessages(app.id, { tag: "green" }, page)).items), []);
      const endpointMessages = await store.listEndpointMessages(app.id, ep.id, { tag: "red" }, page);
      assert.deepEqual(
        endpointMessages.items.map((row) => row.message.id),
        [red.id],
      );

      for (const m of [red, blue]) {
        await store.insertAttempt({
          id: newId("atmpt", T0 + 10),
          msgId: m.id,
          appId: app.id,
          endpointId: ep.id,
          url: ep.url,
          status: 0,
          responseStatusCode: 200,
          response: "",
          durationMs: 1,
          triggerType: 0,
          createdAt: T0 + 10,
          request: null,
        });
      }
      const attempts = await store.listAttempts(app.id, { tag: "blue" }, page);
      assert.deepEqual(
        attempts.items.map((a) => a.msgId),
        [blue.id],
      );
    });

    test("a delivery due at deliverAt is not claimed before it, and is claimed from then on", async () => {
      const app = applicationRow(T0);
      await store.insertApplication(app);
      const ep = endpointRow({ id: newId("ep", T0), appId: app.id, createdAt: T0, updatedAt: T0 });
      await store.insertEndpoint(ep);
      const later = messageRow(app.id, T0, { deliverAt: T0 + 60_000 });
      await store.insertMessage(later, [pendingDelivery(later, ep.id, T0 + 60_000)]);
      const claim = (now: number) => store.claimDueDeliveries(openClaim(now));
      assert.equal((await claim(T0 + 59_999)).filter((c) => c.message.id === later.id).length, 0);
      // Orphan release at start-up leaves pending (scheduled) rows as they are.
      await store.releaseOrphanedClaims(T0 + 1);
      assert.equal((await claim(T0 + 59_999)).filter((c) => c.message.id === later.id).length, 0);
      assert.equal(await store.nextDueAt(), T0 + 60_000);
      const claimed = (await claim(T0 + 60_000)).filter((c) => c.message.id === later.id);
      assert.equal(claimed.length, 1);
      assert.equal(claimed[0]?.message.deliverAt, T0 + 60_000);
    });
  });
}
