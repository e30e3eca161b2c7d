import assert from "node:assert/strict";
import { test } from "node:test";
import { DuplicateKeyError } from "../../src/store/errors.ts";
import type { EventTypeRow, TokenRow } from "../../src/store/types.ts";
import { app, endpoint, firstPage, forEachStore, T0 } from "./fixtures.ts";

function eventType(name: string, overrides: Partial<EventTypeRow> = {}): EventTypeRow {
  return {
    name,
    description: `about ${name}`,
    archived: false,
    deprecated: false,
    schemas: { "1": { type: "object" } },
    featureFlags: null,
    groupName: null,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

const duplicateOf = (key: string) => (error: unknown) =>
  error instanceof DuplicateKeyError && error.key === key;

forEachStore("Store conformance (catalog)", (ctx) => {
  test("tokens: stored by hash with their options, counted, deleted, expired per application or session", async () => {
    const token = (id: string, overrides: Partial<TokenRow> = {}): TokenRow => ({
      id,
      hash: `hash-${id}`,
      appId: "app_x",
      expiresAt: null,
      readOnly: false,
      featureFlags: [],
      sessionId: null,
      createdAt: T0,
      ...overrides,
    });
    assert.equal(await ctx.store.countAdminTokens(), 0);
    await ctx.store.insertToken(token("tok_admin", { appId: null }));
    await ctx.store.insertToken(token("tok_1", { readOnly: true, featureFlags: ["beta"], sessionId: "s1" }));
    await ctx.store.insertToken(token("tok_2", { sessionId: "s2", expiresAt: T0 + 5 }));
    await ctx.store.insertToken(token("tok_3", { appId: "app_y" }));
    assert.equal(await ctx.store.countAdminTokens(), 1);
    assert.deepEqual(
      await ctx.store.findTokenByHash("hash-tok_1"),
      token("tok_1", { readOnly: true, featureFlags: ["beta"], sessionId: "s1" }),
    );
    assert.equal(await ctx.store.findTokenByHash("nope"), null);
    await assert.rejects(
      ctx.store.insertToken(token("tok_9", { hash: "hash-tok_1" })),
      duplicateOf("token.hash"),
    );

    assert.equal(await ctx.store.expireApplicationTokens("app_x", T0 + 100, ["s1"]), 1, "one session");
    assert.equal((await ctx.store.findTokenByHash("hash-tok_1"))?.expiresAt, T0 + 100);
    assert.equal(
      await ctx.store.expireApplicationTokens("app_x", T0 + 50, null),
      1,
      "the app's tokens that would live longer (not the one already expiring sooner)",
    );
    assert.equal(
      (await ctx.store.findTokenByHash("hash-tok_2"))?.expiresAt,
      T0 + 5,
      "an earlier expiry stays",
    );
    assert.equal(
      (await ctx.store.findTokenByHash("hash-tok_3"))?.expiresAt,
      null,
      "other applications untouched",
    );
    await ctx.store.deleteToken("tok_1");
    assert.equal(await ctx.store.findTokenByHash("hash-tok_1"), null);
  });

  test("applications: update, delete with everything below, uid unique even for concurrent writers", async () => {
    const a = app(T0, { uid: "shop", metadata: { k: "v" }, throttleRate: 3, requireHttps: true });
    await ctx.store.insertApplication(a);
    assert.deepEqual(await ctx.store.getApplication("shop"), a);
    await ctx.store.updateApplication({ ...a, name: "renamed", uid: "shop2", updatedAt: T0 + 1 });
    assert.equal((await ctx.store.getApplication(a.id))?.name, "renamed");
    assert.equal(await ctx.store.getApplication("shop"), null);

    // Five writers race for one uid: the database lets exactly one win; the others get a typed error (409).
    const racers = Array.from({ length: 5 }, (_, i) => app(T0 + 10 + i, { uid: "contested" }));
    const results = await Promise.allSettled(racers.map((row) => ctx.store.insertApplication(row)));
    assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
    for (const r of results.filter((r) => r.status === "rejected"))
      assert.ok(duplicateOf("application.uid")((r as PromiseRejectedResult).reason));
    await assert.rejects(
      ctx.store.updateApplication({ ...a, uid: "contested" }),
      duplicateOf("application.uid"),
    );

    const ep = endpoint(a.id);
    await ctx.store.insertEndpoint(ep);
    await ctx.store.deleteApplication(a.id);
    assert.equal(await ctx.store.getApplication(a.id), null);
    assert.equal(await ctx.store.getEndpoint(a.id, ep.id), null, "endpoints go with their application");
  });

  test("event types: archived ones hidden unless asked for, updated, deleted; the name is unique", async () => {
    await ctx.store.insertEventType(eventType("a.one"));
    await ctx.store.insertEventType(eventType("b.two", { archived: true }));
    await ctx.store.insertEventType(
      eventType("c.three", { featureFlags: ["beta"], groupName: "c", deprecated: true }),
    );
    assert.deepEqual(
      await ctx.store.getEventType("c.three"),
      eventType("c.three", { featureFlags: ["beta"], groupName: "c", deprecated: true }),
    );
    const visible = await ctx.store.listEventTypes(firstPage(10, "asc"), false);
    assert.deepEqual(
      visible.items.map((row) => row.name),
      ["a.one", "c.three"],
    );
    const all = await ctx.store.listEventTypes({ ...firstPage(1, "asc"), cursor: "a.one" }, true);
    assert.deepEqual(
      all.items.map((row) => row.name),
      ["b.two"],
    );
    assert.equal(all.done, false);
    await ctx.store.updateEventType(
      eventType("b.two", { archived: false, description: "back", updatedAt: T0 + 1 }),
    );
    assert.equal((await ctx.store.getEventType("b.two"))?.description, "back");
    await assert.rejects(ctx.store.insertEventType(eventType("a.one")), duplicateOf("eventType.name"));
    await ctx.store.deleteEventType("a.one");
    assert.equal(await ctx.store.getEventType("a.one"), null);
  });

  test("endpoints: listed, routing candidates, saved without touching health, reset, deleted; uid unique per app", async () => {
    const a = app();
    const b = app(T0 + 1);
    await ctx.store.insertApplication(a);
    await ctx.store.insertApplication(b);
    const one = endpoint(a.id, T0, {
      uid: "one",
      eventTypes: ["x"],
      channels: ["c"],
      headers: { "x-h": "1" },
      metadata: { m: "1" },
      throttleRate: 5,
      delivery: { method: "PUT" },
      credentialsSealed: "creds",
    });
    const two = endpoint(a.id, T0 + 1, { disabled: true });
    await ctx.store.insertEndpoint(one);
    await ctx.store.insertEndpoint(two);
    await ctx.store.insertEndpoint(endpoint(b.id, T0, { uid: "one" })); // the same uid in another app is fine
    assert.deepEqual(await ctx.store.getEndpoint(a.id, "one"), one);
    assert.equal(await ctx.store.getEndpoint(b.id, one.id), null, "scoped to its application");
    const page = await ctx.store.listEndpoints(a.id, firstPage(10, "asc"));
    assert.deepEqual(
      page.items.map((row) => row.id),
      [one.id, two.id],
    );
    assert.deepEqual(
      (await ctx.store.listEnabledEndpoints(a.id)).map((row) => row.id),
      [one.id],
    );
    await assert.rejects(
      ctx.store.insertEndpoint(endpoint(a.id, T0 + 2, { uid: "one" })),
      duplicateOf("endpoint.uid"),
    );

    // Health is written by delivery outcomes only; an API save keeps it.
    await ctx.store.updateEndpoint({
      ...one,
      health: { failingSince: T0, consecutiveFailures: 9, circuitOpenUntil: T0 + 9 },
      url: "https://example.com/new",
    });
    const saved = await ctx.store.getEndpoint(a.id, one.id);
    assert.equal(saved?.url, "https://example.com/new");
    assert.deepEqual(saved?.health, { failingSince: null, consecutiveFailures: 0, circuitOpenUntil: null });

    await ctx.store.deleteEndpoint(a.id, two.id);
    assert.equal(await ctx.store.getEndpoint(a.id, two.id), null);
  });
});
