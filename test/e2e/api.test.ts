/**
 * The Svix-compatible management API, driven only through the official `svix` SDK (v2) against a real
 * `outbound serve` process.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { type ApplicationOut, Svix } from "svix";
import { rejectsWithStatus } from "../support/api-error.ts";
import { ensureEventType } from "../support/event-types.ts";
import { beforeTests, serverForTests } from "../support/servers-for-tests.ts";

const server = serverForTests();
let svix: Svix;
beforeTests(() => {
  svix = server.svix;
});

const unique = () => randomBytes(5).toString("hex");

/** Somewhere no test ever delivers to: these apps never get a message. */
const unusedUrl = (label: string) => `http://127.0.0.1:9/${label}`;

async function allApplications(): Promise<ApplicationOut[]> {
  const apps: ApplicationOut[] = [];
  let iterator: string | null = null;
  for (let page = 0; page < 100; page++) {
    const result = await svix.application.list({ limit: 100, iterator });
    apps.push(...result.data);
    if (result.done) return apps;
    iterator = result.iterator;
  }
  assert.fail("application list did not finish within 100 pages");
}

/** Header names are case-insensitive; compare them lower-cased. */
function lowerKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

async function newApp(name: string): Promise<ApplicationOut> {
  return svix.application.create({ name });
}

test("health answers 2xx", async () => {
  await svix.health.get();
  const response = await fetch(`${server.url}/api/v1/health`);
  assert.ok(response.ok, `GET /api/v1/health answered ${response.status}`);
});

test("a wrong token is rejected with 401", async () => {
  const stranger = new Svix("wrong_token_123456", { serverUrl: server.url });
  const error = await rejectsWithStatus(stranger.application.list(), 401);
  const body = error.body as { code?: unknown; detail?: unknown };
  assert.equal(
    typeof body.detail,
    "string",
    `401 body should be Svix's HttpErrorOut: ${JSON.stringify(body)}`,
  );
  assert.equal(typeof body.code, "string", `401 body should be Svix's HttpErrorOut: ${JSON.stringify(body)}`);
});

test("applications: create, get by id and uid, list, update, patch, delete", async () => {
  const uid = `acme-${unique()}`;
  const created = await svix.application.create({ name: "Acme", uid, metadata: { plan: "pro" } });
  assert.match(created.id, /^app_/);
  assert.equal(created.name, "Acme");
  assert.equal(created.uid, uid);
  assert.deepEqual(created.metadata, { plan: "pro" });
  assert.ok(created.createdAt instanceof Date && !Number.isNaN(created.createdAt.getTime()));

  const byId = await svix.application.get(created.id);
  assert.equal(byId.id, created.id);
  assert.equal(byId.name, "Acme");
  assert.equal(byId.uid, uid);

  const byUid = await svix.application.get(uid);
  assert.equal(byUid.id, created.id);

  const listed = await allApplications();
  assert.ok(
    listed.some((app) => app.id === created.id && app.uid === uid),
    "the new application is listed",
  );

  const updated = await svix.application.upsert(created.id, {
    name: "Acme Corp",
    uid,
    metadata: { plan: "enterprise" },
  });
  assert.equal(updated.id, created.id);
  assert.equal(updated.name, "Acme Corp");
  assert.deepEqual(updated.metadata, { plan: "enterprise" });

  const patched = await svix.application.patch(created.id, { name: "Acme Patched" });
  assert.equal(patched.id, created.id);
  assert.equal(patched.name, "Acme Patched");
  assert.equal(patched.uid, uid, "patch keeps fields it was not given");
  assert.deepEqual(patched.metadata, { plan: "enterprise" }, "patch keeps fields it was not given");
  assert.equal((await svix.application.get(created.id)).name, "Acme Patched");

  await svix.application.delete(created.id);
  await rejectsWithStatus(svix.application.get(created.id), 404);
  await rejectsWithStatus(svix.application.get(uid), 404);
  assert.ok(!(await allApplications()).some((app) => app.id === created.id), "a deleted app is not listed");
});

test("applications: getOrCreate returns the existing app for the same uid", async () => {
  const uid = `tenant-${unique()}`;
  const first = await svix.application.getOrCreate({ name: "Tenant", uid });
  assert.match(first.id, /^app_/);
  assert.equal(first.uid, uid);

  const again = await svix.application.getOrCreate({ name: "Tenant renamed", uid });
  assert.equal(again.id, first.id);
  assert.equal(again.name, "Tenant", "getOrCreate does not modify the existing app");

  const other = await svix.application.getOrCreate({ name: "Other", uid: `${uid}-2` });
  assert.notEqual(other.id, first.id);

  await rejectsWithStatus(svix.application.create({ name: "Duplicate", uid }), 409);
});

test("event types: create, get, list, patch (archive), delete", async () => {
  const name = `invoice.${unique()}.paid`;
  const created = await svix.eventType.create({ name, description: "An invoice was paid" });
  assert.equal(created.name, name);
  assert.equal(created.description, "An invoice was paid");
  assert.equal(created.archived ?? false, false);
  assert.equal(created.deprecated, false);

  const fetched = await svix.eventType.get(name);
  assert.equal(fetched.name, name);
  assert.equal(fetched.description, "An invoice was paid");

  const listed = await svix.eventType.list({ limit: 250 });
  assert.ok(
    listed.data.some((eventType) => eventType.name === name),
    "the new event type is listed",
  );

  const patched = await svix.eventType.patch(name, { archived: true, description: "No longer sent" });
  assert.equal(patched.name, name);
  assert.equal(patched.archived, true);
  assert.equal(patched.description, "No longer sent");
  assert.equal((await svix.eventType.get(name)).archived, true);

  const withoutArchived = await svix.eventType.list({ limit: 250 });
  assert.ok(!withoutArchived.data.some((eventType) => eventType.name === name), "archived types are hidden");
  const withArchived = await svix.eventType.list({ limit: 250, includeArchived: true });
  assert.ok(
    withArchived.data.some((eventType) => eventType.name === name),
    "includeArchived shows them",
  );

  // Svix semantics: delete archives; delete with expunge removes for good.
  const second = `invoice.${unique()}.voided`;
  await svix.eventType.create({ name: second, description: "An invoice was voided" });
  await svix.eventType.delete(second);
  assert.equal((await svix.eventType.get(second)).archived, true);

  await svix.eventType.delete(name, { expunge: true });
  await rejectsWithStatus(svix.eventType.get(name), 404);
});

test("endpoints: create, get, list, update, patch, headers, secret, delete", async () => {
  const app = await newApp("endpoints");
  const eventType = `user.${unique()}.created`;
  await ensureEventType(svix, eventType);
  const uid = `primary-${unique()}`;

  const created = await svix.endpoint.create(app.id, {
    url: unusedUrl("first"),
    description: "primary endpoint",
    uid,
    eventTypes: [eventType],
    channels: ["project_1"],
    metadata: { team: "billing" },
    headers: { "X-Custom-Header": "abc" },
  });
  assert.match(created.id, /^ep_/);
  assert.equal(created.url, unusedUrl("first"));
  assert.equal(created.description, "primary endpoint");
  assert.equal(created.uid, uid);
  assert.deepEqual(created.eventTypes, [eventType]);
  assert.deepEqual(created.channels, ["project_1"]);
  assert.deepEqual(created.metadata, { team: "billing" });
  assert.equal(created.disabled ?? false, false);

  const fetched = await svix.endpoint.get(app.id, created.id);
  assert.equal(fetched.id, created.id);
  assert.equal(fetched.url, unusedUrl("first"));
  assert.deepEqual(fetched.eventTypes, [eventType]);
  assert.deepEqual(fetched.channels, ["project_1"]);
  assert.deepEqual(fetched.metadata, { team: "billing" });
  assert.equal((await svix.endpoint.get(app.id, uid)).id, created.id, "an endpoint can be fetched by uid");

  const listed = await svix.endpoint.list(app.id);
  assert.deepEqual(
    listed.data.map((endpoint) => endpoint.id),
    [created.id],
  );
  assert.equal(listed.done, true);

  const updated = await svix.endpoint.upsert(app.id, created.id, {
    url: unusedUrl("second"),
    description: "updated endpoint",
    uid,
    eventTypes: [eventType],
    channels: ["project_1", "project_2"],
    metadata: { team: "ops" },
  });
  assert.equal(updated.id, created.id);
  assert.equal(updated.url, unusedUrl("second"));
  assert.equal(updated.description, "updated endpoint");
  assert.deepEqual(updated.channels, ["project_1", "project_2"]);
  assert.deepEqual(updated.metadata, { team: "ops" });

  const patched = await svix.endpoint.patch(app.id, created.id, {
    description: "patched endpoint",
    disabled: true,
  });
  assert.equal(patched.description, "patched endpoint");
  assert.equal(patched.disabled, true);
  assert.equal(patched.url, unusedUrl("second"), "patch keeps fields it was not given");
  assert.deepEqual(patched.channels, ["project_1", "project_2"], "patch keeps fields it was not given");
  assert.deepEqual(patched.eventTypes, [eventType], "patch keeps fields it was not given");

  const headers = await svix.endpoint.getHeaders(app.id, created.id);
  assert.deepEqual(lowerKeys(headers.headers), { "x-custom-header": "abc" });

  await svix.endpoint.setHeaders(app.id, created.id, { headers: { "X-First": "1", "X-Second": "2" } });
  assert.deepEqual(lowerKeys((await svix.endpoint.getHeaders(app.id, created.id)).headers), {
    "x-first": "1",
    "x-second": "2",
  });

  // Svix wire format: a null value in a headers patch removes that header.
  const removeFirst = { "X-Third": "3", "X-First": null } as unknown as Record<string, string>;
  await svix.endpoint.patchHeaders(app.id, created.id, { headers: removeFirst });
  assert.deepEqual(lowerKeys((await svix.endpoint.getHeaders(app.id, created.id)).headers), {
    "x-second": "2",
    "x-third": "3",
  });

  const secret = await svix.endpoint.getSecret(app.id, created.id);
  assert.match(secret.key, /^whsec_[A-Za-z0-9+/]+=*$/);
  assert.ok(
    Buffer.from(secret.key.slice("whsec_".length), "base64").length >= 24,
    "secret has ≥ 24 random bytes",
  );

  await svix.endpoint.delete(app.id, created.id);
  await rejectsWithStatus(svix.endpoint.get(app.id, created.id), 404);
  assert.deepEqual((await svix.endpoint.list(app.id)).data, []);
});

test("endpoints: a secret given at creation is the one returned by getSecret", async () => {
  const app = await newApp("own secret");
  const secret = `whsec_${randomBytes(24).toString("base64")}`;
  const endpoint = await svix.endpoint.create(app.id, { url: unusedUrl("own-secret"), secret });
  assert.equal((await svix.endpoint.getSecret(app.id, endpoint.id)).key, secret);
});

test("endpoints: an invalid URL is a 422 validation error naming the url field", async () => {
  const app = await newApp("bad url");
  const error = await rejectsWithStatus(svix.endpoint.create(app.id, { url: "not a url" }), 422);
  const body = error.body as { detail?: Array<{ loc?: unknown; msg?: unknown; type?: unknown }> };
  assert.ok(
    Array.isArray(body.detail) && body.detail.length > 0,
    `422 body should be {detail:[…]}: ${JSON.stringify(body)}`,
  );
  const urlIssue = body.detail.find((issue) => Array.isArray(issue.loc) && issue.loc.includes("url"));
  assert.ok(urlIssue, `no validation issue with "url" in loc: ${JSON.stringify(body)}`);
  assert.ok(Array.isArray(urlIssue.loc) && urlIssue.loc.every((part) => typeof part === "string"));
  assert.equal(typeof urlIssue.msg, "string");
  assert.ok((urlIssue.msg as string).length > 0);
  assert.equal(typeof urlIssue.type, "string");
  assert.deepEqual((await svix.endpoint.list(app.id)).data, [], "nothing was created");
});

test("unknown ids answer 404", async () => {
  const app = await newApp("not found");
  const missing = "01JD0000000000000000000000"; // well-formed, never issued
  await rejectsWithStatus(svix.application.get(`app_${missing}`), 404);
  await rejectsWithStatus(svix.endpoint.get(app.id, `ep_${missing}`), 404);
  await rejectsWithStatus(svix.endpoint.getSecret(app.id, `ep_${missing}`), 404);
  await rejectsWithStatus(svix.endpoint.list(`app_${missing}`), 404);
  await rejectsWithStatus(svix.message.get(app.id, `msg_${missing}`), 404);
  await rejectsWithStatus(svix.eventType.get(`never.${unique()}`), 404);
});

test("messages paginate newest first with limit and iterator", async () => {
  const app = await newApp("pagination");
  const sent: string[] = [];
  for (let i = 0; i < 7; i++) {
    const message = await svix.message.create(app.id, { eventType: "page.test", payload: { i } });
    sent.push(message.id);
  }
  const newestFirst = [...sent].reverse();

  const page1 = await svix.message.list(app.id, { limit: 3 });
  assert.deepEqual(
    page1.data.map((m) => m.id),
    newestFirst.slice(0, 3),
  );
  assert.equal(page1.done, false);
  assert.ok(page1.iterator, "a page that is not the last has an iterator");

  const page2 = await svix.message.list(app.id, { limit: 3, iterator: page1.iterator });
  assert.deepEqual(
    page2.data.map((m) => m.id),
    newestFirst.slice(3, 6),
  );
  assert.equal(page2.done, false);

  const page3 = await svix.message.list(app.id, { limit: 3, iterator: page2.iterator });
  assert.deepEqual(
    page3.data.map((m) => m.id),
    newestFirst.slice(6),
  );
  assert.equal(page3.done, true);

  const seen = [...page1.data, ...page2.data, ...page3.data].map((m) => m.id);
  assert.equal(new Set(seen).size, 7, "no message appears twice across pages");
});

test("idempotency: the same key returns the same message and creates it once", async () => {
  const app = await newApp("idempotency");
  const messageIn = { eventType: "order.placed", payload: { order: 42 } };
  const first = await svix.message.create(app.id, messageIn, { idempotencyKey: "k1" });
  const second = await svix.message.create(app.id, messageIn, { idempotencyKey: "k1" });
  assert.equal(second.id, first.id);

  const listed = await svix.message.list(app.id);
  assert.deepEqual(
    listed.data.map((m) => m.id),
    [first.id],
  );

  const third = await svix.message.create(app.id, messageIn, { idempotencyKey: "k2" });
  assert.notEqual(third.id, first.id, "a different key creates a new message");
});

test("a duplicate eventId is a 409 conflict", async () => {
  const app = await newApp("event id");
  const first = await svix.message.create(app.id, {
    eventType: "order.placed",
    eventId: "evt-1",
    payload: {},
  });
  assert.equal(first.eventId, "evt-1");
  await rejectsWithStatus(
    svix.message.create(app.id, { eventType: "order.placed", eventId: "evt-1", payload: { again: true } }),
    409,
  );
  assert.equal((await svix.message.list(app.id)).data.length, 1);
});

test("app portal access: the token reads its own app only", async () => {
  const app = await newApp("portal");
  const other = await newApp("someone else");
  const endpoint = await svix.endpoint.create(app.id, { url: unusedUrl("portal") });
  await svix.endpoint.create(other.id, { url: unusedUrl("other") });

  const access = await svix.authentication.appPortalAccess(app.id, {});
  assert.equal(typeof access.token, "string");
  assert.ok(access.token.length >= 16, "portal token looks like a token");
  assert.notEqual(access.token, server.token);
  assert.doesNotThrow(() => new URL(access.url), `portal url is a URL: ${access.url}`);

  const portal = new Svix(access.token, { serverUrl: server.url });
  const own = await portal.endpoint.list(app.id);
  assert.deepEqual(
    own.data.map((e) => e.id),
    [endpoint.id],
  );

  // Another tenant's application is indistinguishable from one that does not exist.
  await rejectsWithStatus(portal.endpoint.list(other.id), 404);
  await rejectsWithStatus(portal.application.get(other.id), 404);
  await rejectsWithStatus(portal.endpoint.create(other.id, { url: unusedUrl("intruder") }), 404);
  try {
    const apps = await portal.application.list();
    assert.ok(!apps.data.some((a) => a.id === other.id), "an app token must not list other apps");
  } catch (error) {
    await rejectsWithStatus(Promise.reject(error), [401, 403]);
  }
});

test("the OpenAPI document is served without auth and describes the delivery extension", async () => {
  const response = await fetch(`${server.url}/api/v1/openapi.json`);
  assert.equal(response.status, 200);
  const doc = (await response.json()) as {
    openapi: string;
    paths: Record<
      string,
      Record<
        string,
        { requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown> } }> } }
      >
    >;
  };
  assert.equal(doc.openapi, "3.1.0");
  const create = doc.paths["/api/v1/app/{app_id}/endpoint"]?.post;
  const properties = create?.requestBody?.content["application/json"]?.schema.properties ?? {};
  assert.ok("delivery" in properties, "endpoint create documents `delivery`");
  assert.ok(doc.paths["/api/v1/app/{app_id}/distribution"], "directory routes are documented");
});
