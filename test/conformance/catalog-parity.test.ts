/** Store contract for today's Svix catalog: token options, logout, expire-all; event type groups and flags. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { newId } from "../../src/ids.ts";
import type { EventTypeRow, TokenRow } from "../../src/store/types.ts";
import { applicationRow, endpointRow, messageRow, openClaim, pendingDelivery } from "../support/rows.ts";
import { forEachStore } from "./fixtures.ts";

const T0 = 1_800_000_000_000;

function token(appId: string | null, overrides: Partial<TokenRow> = {}): TokenRow {
  const id = newId("tok", T0);
  return {
    id,
    hash: `hash-${id}`,
    appId,
    expiresAt: T0 + 1_000_000,
    createdAt: T0,
    readOnly: false,
    featureFlags: [],
    sessionId: null,
    ...overrides,
  };
}

forEachStore("Store conformance (tokens, event types)", (ctx) => {
  test("token options round-trip and deleteToken removes exactly one token", async () => {
    const app = applicationRow(T0);
    await ctx.store.insertApplication(app);
    const ro = token(app.id, { readOnly: true, featureFlags: ["beta", "new-ui"], sessionId: "user_1" });
    const plain = token(app.id);
    await ctx.store.insertToken(ro);
    await ctx.store.insertToken(plain);
    assert.deepEqual(await ctx.store.findTokenByHash(ro.hash), ro);
    assert.deepEqual(await ctx.store.findTokenByHash(plain.hash), plain);
    await ctx.store.deleteToken(ro.id);
    assert.equal(await ctx.store.findTokenByHash(ro.hash), null);
    assert.deepEqual(await ctx.store.findTokenByHash(plain.hash), plain);
  });

  test("expireApplicationTokens brings expiry forward for one app, optionally one session, never pushes it back", async () => {
    const app = applicationRow(T0);
    const other = applicationRow(T0);
    await ctx.store.insertApplication(app);
    await ctx.store.insertApplication(other);
    const alice = token(app.id, { sessionId: "alice" });
    const bob = token(app.id, { sessionId: "bob" });
    const soon = token(app.id, { expiresAt: T0 + 10 });
    const elsewhere = token(other.id, { sessionId: "alice" });
    const admin = token(null, { expiresAt: null });
    for (const t of [alice, bob, soon, elsewhere, admin]) await ctx.store.insertToken(t);
    const expiry = async (t: TokenRow) => (await ctx.store.findTokenByHash(t.hash))?.expiresAt;

    assert.equal(await ctx.store.expireApplicationTokens(app.id, T0 + 100, ["alice"]), 1);
    assert.equal(await expiry(alice), T0 + 100);
    assert.equal(await expiry(bob), T0 + 1_000_000);
    assert.equal(await expiry(elsewhere), T0 + 1_000_000);

    assert.equal(
      await ctx.store.expireApplicationTokens(app.id, T0 + 50, null),
      2,
      "alice and bob; soon is earlier",
    );
    assert.equal(await expiry(alice), T0 + 50);
    assert.equal(await expiry(bob), T0 + 50);
    assert.equal(await expiry(soon), T0 + 10);
    assert.equal(await expiry(elsewhere), T0 + 1_000_000);
    assert.equal(await expiry(admin), null);
  });

  test("event type groupName and featureFlags round-trip through insert, update and list", async () => {
    const row: EventTypeRow = {
      name: "conformance.flagged",
      description: "d",
      archived: false,
      deprecated: false,
      schemas: { "1": { type: "object" } },
      featureFlags: ["beta", "gamma"],
      groupName: "conformance",
      createdAt: T0,
      updatedAt: T0,
    };
    await ctx.store.insertEventType(row);
    assert.deepEqual(await ctx.store.getEventType(row.name), row);
    const updated = { ...row, featureFlags: null, groupName: null, updatedAt: T0 + 1 };
    await ctx.store.updateEventType(updated);
    assert.deepEqual(await ctx.store.getEventType(row.name), updated);
    const listed = await ctx.store.listEventTypes(
      { limit: 250, cursor: null, direction: "next", order: "asc" },
      true,
    );
    assert.deepEqual(
      listed.items.find((item) => item.name === row.name),
      updated,
    );
  });

  test("an endpoint's transformation round-trips through insert and update, and is read by claims", async () => {
    const app = applicationRow(T0);
    await ctx.store.insertApplication(app);
    const transformation = { code: "function handler(w) { return w }", enabled: true, updatedAt: T0 };
    const ep = endpointRow({
      id: newId("ep", T0),
      appId: app.id,
      transformation,
      createdAt: T0,
      updatedAt: T0,
    });
    await ctx.store.insertEndpoint(ep);
    assert.deepEqual((await ctx.store.getEndpoint(app.id, ep.id))?.transformation, transformation);
    await ctx.store.updateEndpoint({ ...ep, transformation: null });
    assert.equal((await ctx.store.getEndpoint(app.id, ep.id))?.transformation, null);
    const enabled = { ...transformation, enabled: false, updatedAt: T0 + 1 };
    await ctx.store.updateEndpoint({ ...ep, transformation: enabled });
    const m = messageRow(app.id, T0);
    await ctx.store.insertMessage(m, [pendingDelivery(m, ep.id, T0)]);
    const claimed = await ctx.store.claimDueDeliveries(openClaim(T0 + 1));
    assert.deepEqual(claimed.find((c) => c.message.id === m.id)?.endpoint.transformation, enabled);
  });
});
