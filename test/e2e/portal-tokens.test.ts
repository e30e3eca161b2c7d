/** App-portal token lifecycle as today's Svix API has it: expiry, readOnly, application body, logout, expire-all. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Svix } from "svix";
import { api } from "../support/api.ts";
import { rejectsWithStatus } from "../support/api-error.ts";
import { serverForTests } from "../support/servers-for-tests.ts";

const server = serverForTests();

const portal = (token: string) => new Svix(token, { serverUrl: server.url });

test("expiry sets how long the token lasts; the application body creates the app when missing", async () => {
  const before = Date.now();
  const access = await server.svix.authentication.appPortalAccess("portal-new", {
    application: { name: "Created by portal access" },
    expiry: 3600,
  });
  const created = await server.svix.application.get("portal-new");
  assert.equal(created.name, "Created by portal access");
  assert.equal(created.uid, "portal-new");
  assert.equal((await portal(access.token).application.get("portal-new")).id, created.id);
  // The SDK does not surface `expiry` of the answer; read it raw.
  const raw = await api<{ expiry: string }>(server, "POST", "/api/v1/auth/app-portal-access/portal-new", {
    expiry: 3600,
  });
  const expiry = Date.parse(raw.body.expiry);
  assert.ok(expiry >= before + 3_600_000, "the token lasts the hour asked for");
  assert.ok(expiry < before + 7_200_000, "and not the 7-day default");

  await rejectsWithStatus(server.svix.authentication.appPortalAccess("portal-missing", {}), 404);
  await rejectsWithStatus(server.svix.authentication.appPortalAccess(created.id, { expiry: 60 }), 422);
});

test("a read-only portal token reads but every write answers 403", async () => {
  const app = await server.svix.application.create({ name: "read only" });
  const endpoint = await server.svix.endpoint.create(app.id, { url: "http://127.0.0.1:9/ro" });
  const { token } = await server.svix.authentication.appPortalAccess(app.id, { readOnly: true });
  const ro = portal(token);
  assert.equal((await ro.endpoint.list(app.id)).data.length, 1);
  await rejectsWithStatus(ro.endpoint.create(app.id, { url: "http://127.0.0.1:9/new" }), 403);
  await rejectsWithStatus(ro.endpoint.patch(app.id, endpoint.id, { description: "changed" }), 403);
  await rejectsWithStatus(ro.endpoint.delete(app.id, endpoint.id), 403);
  await rejectsWithStatus(ro.message.create(app.id, { eventType: "a", payload: {} }), 403);
  const unchanged = await server.svix.endpoint.get(app.id, endpoint.id);
  assert.equal(unchanged.description, "");
  assert.equal((await server.svix.message.list(app.id)).data.length, 0);

  // A writable token for the same app still writes.
  const { token: rw } = await server.svix.authentication.appPortalAccess(app.id, {});
  await portal(rw).endpoint.patch(app.id, endpoint.id, { description: "changed" });
});

test("logout revokes the token in use at once; the operator token cannot be logged out", async () => {
  const app = await server.svix.application.create({ name: "logout" });
  const { token } = await server.svix.authentication.appPortalAccess(app.id, {});
  const { token: other } = await server.svix.authentication.appPortalAccess(app.id, {});
  const session = portal(token);
  await session.endpoint.list(app.id);
  await session.authentication.logout();
  await rejectsWithStatus(session.endpoint.list(app.id), 401);
  // Only the token in use was revoked.
  assert.equal((await portal(other).endpoint.list(app.id)).data.length, 0);
  await rejectsWithStatus(server.svix.authentication.logout(), 403);
  await server.svix.application.get(app.id);
});

test("expire-all makes the application's old tokens fail, optionally only one session's", async () => {
  const app = await server.svix.application.create({ name: "expire all" });
  const other = await server.svix.application.create({ name: "untouched" });
  const alice = await server.svix.authentication.appPortalAccess(app.id, { sessionId: "alice" });
  const bob = await server.svix.authentication.appPortalAccess(app.id, { sessionId: "bob" });
  const plain = await server.svix.authentication.appPortalAccess(app.id, {});
  const otherApp = await server.svix.authentication.appPortalAccess(other.id, {});

  await server.svix.authentication.expireAll(app.id, { sessionIds: ["alice"] });
  await rejectsWithStatus(portal(alice.token).endpoint.list(app.id), 401);
  await portal(bob.token).endpoint.list(app.id);
  await portal(plain.token).endpoint.list(app.id);

  await server.svix.authentication.expireAll(app.id, {});
  await rejectsWithStatus(portal(bob.token).endpoint.list(app.id), 401);
  await rejectsWithStatus(portal(plain.token).endpoint.list(app.id), 401);
  await portal(otherApp.token).endpoint.list(other.id);

  // Tokens made after expire-all work.
  const fresh = await server.svix.authentication.appPortalAccess(app.id, {});
  await portal(fresh.token).endpoint.list(app.id);
  // Only the operator may expire tokens.
  await rejectsWithStatus(portal(fresh.token).authentication.expireAll(app.id, {}), 403);
});
