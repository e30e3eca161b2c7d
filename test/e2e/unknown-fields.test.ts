/** A field Outbound does not support is answered with a 422 naming it; nothing a client sends is dropped. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { api } from "../support/api.ts";
import { rejectsWithStatus } from "../support/api-error.ts";
import { serverForTests } from "../support/servers-for-tests.ts";

const server = serverForTests();

type Issue = { loc: string[]; msg: string; type: string };

function locations(body: unknown): string[] {
  return ((body as { detail: Issue[] }).detail ?? []).map((issue) => issue.loc.join("."));
}

test("an unknown body field answers 422 naming it, on every kind of body", async () => {
  const app = await server.svix.application.create({ name: "strict" });
  const endpoint = await server.svix.endpoint.create(app.id, { url: "http://127.0.0.1:9/strict" });
  const cases: Array<[string, string, Record<string, unknown>, string]> = [
    ["POST", "/api/v1/app", { name: "x", colour: "red" }, "body.colour"],
    ["PATCH", `/api/v1/app/${app.id}`, { nmae: "typo" }, "body.nmae"],
    ["POST", `/api/v1/app/${app.id}/endpoint`, { url: "http://127.0.0.1:9/", secrett: "x" }, "body.secrett"],
    ["PATCH", `/api/v1/app/${app.id}/endpoint/${endpoint.id}`, { disabeld: true }, "body.disabeld"],
    ["POST", `/api/v1/app/${app.id}/msg`, { eventType: "a", payload: {}, priority: 1 }, "body.priority"],
    ["POST", "/api/v1/event-type", { name: "a.b", description: "", colour: "red" }, "body.colour"],
    [
      "POST",
      `/api/v1/app/${app.id}/msg`,
      { eventType: "a", payload: {}, application: { name: "n", owner: "me" } },
      "body.application.owner",
    ],
  ];
  for (const [method, path, body, loc] of cases) {
    const response = await api(server, method, path, body);
    assert.equal(response.status, 422, `${method} ${path}: ${JSON.stringify(response.body)}`);
    assert.deepEqual(locations(response.body), [loc], `${method} ${path}`);
    const [issue] = (response.body as unknown as { detail: Issue[] }).detail;
    assert.match(issue?.msg ?? "", /does not support/);
  }
  // Nothing was created by the refused calls.
  const apps = await server.svix.application.list();
  assert.deepEqual(
    apps.data.map((a) => a.name),
    ["strict"],
  );
});

test("an unknown query parameter answers 422 naming it, also on routes that take no query", async () => {
  const app = await server.svix.application.create({ name: "strict query" });
  const endpoint = await server.svix.endpoint.create(app.id, { url: "http://127.0.0.1:9/q" });
  const cases: Array<[string, string, string]> = [
    ["GET", `/api/v1/app/${app.id}/msg?evnt_types=a`, "query.evnt_types"],
    ["GET", `/api/v1/app/${app.id}?expand=1`, "query.expand"],
    ["DELETE", `/api/v1/app/${app.id}/endpoint/${endpoint.id}?force=true`, "query.force"],
    ["GET", "/api/v1/event-type/a.b?with_content=true", "query.with_content"],
    // Directory routes: a mistyped filter must not list every participant.
    ["GET", `/api/v1/app/${app.id}/participant?tags=vip`, "query.tags"],
    ["GET", `/api/v1/app/${app.id}/participant/lookup?issuer=crm&id=1&externalId=1`, "query.externalId"],
    ["POST", `/api/v1/app/${app.id}/participant/import?idColumn=id&issuer=crm&mapping=x`, "query.mapping"],
  ];
  for (const [method, path, loc] of cases) {
    const response = await api(server, method, path);
    assert.equal(response.status, 422, `${method} ${path}`);
    assert.deepEqual(locations(response.body), [loc], `${method} ${path}`);
  }
  // The refused DELETE did nothing.
  assert.equal((await server.svix.endpoint.get(app.id, endpoint.id)).id, endpoint.id);
});

test("the svix SDK gets a 422 for a Svix field Outbound does not implement", async () => {
  const app = await server.svix.application.create({ name: "sdk strict" });
  const error = await rejectsWithStatus(
    server.svix.message.create(app.id, {
      eventType: "a",
      payload: {},
      transformationsParams: { x: 1 },
    }),
    422,
  );
  assert.deepEqual(locations(error.body), ["body.transformationsParams"]);
  const messages = await server.svix.message.list(app.id);
  assert.equal(messages.data.length, 0, "the refused message was not stored");
});
