/** Today's Svix event-type catalog: groupName, featureFlags (and what portal tokens see), OpenAPI import/export. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Svix } from "svix";
import { api } from "../support/api.ts";
import { rejectsWithStatus } from "../support/api-error.ts";
import { receiverForTest, serverForTests } from "../support/servers-for-tests.ts";

const server = serverForTests();

test("groupName and featureFlags are stored; flagged types are visible only to portal tokens with the flag", async () => {
  const svix = server.svix;
  const created = await svix.eventType.create({
    name: "beta.thing",
    description: "Beta only",
    groupName: "beta",
    featureFlags: ["beta-program"],
  });
  assert.equal(created.groupName, "beta");
  assert.deepEqual(created.featureFlags, ["beta-program"]);
  await svix.eventType.create({ name: "public.thing", description: "For all" });
  const patched = await svix.eventType.patch("public.thing", { groupName: "public" });
  assert.equal(patched.groupName, "public");

  const app = await svix.application.create({ name: "flags" });
  const plain = new Svix((await svix.authentication.appPortalAccess(app.id, {})).token, {
    serverUrl: server.url,
  });
  const flagged = new Svix(
    (await svix.authentication.appPortalAccess(app.id, { featureFlags: ["beta-program"] })).token,
    { serverUrl: server.url },
  );
  const names = async (client: Svix) =>
    (await client.eventType.list({ limit: 250 })).data
      .map((type) => type.name)
      .filter((n) => n.endsWith(".thing"));
  assert.deepEqual(await names(plain), ["public.thing"]);
  assert.deepEqual(await names(flagged), ["beta.thing", "public.thing"]);
  assert.deepEqual(await names(svix), ["beta.thing", "public.thing"]);
  await rejectsWithStatus(plain.eventType.get("beta.thing"), 404);
  assert.equal((await flagged.eventType.get("beta.thing")).name, "beta.thing");
});

test("import/openapi creates and updates event types from webhooks; dryRun writes nothing; replaceAll archives", async () => {
  const svix = server.svix;
  await svix.eventType.create({ name: "invoice.old", description: "Going away" });
  const spec = {
    openapi: "3.1.0",
    info: { title: "Billing", version: "1" },
    webhooks: {
      "invoice.paid": {
        post: {
          description: "An invoice was paid",
          "x-svix-group-name": "invoice",
          requestBody: {
            content: {
              "application/json": {
                schema: { type: "object", properties: { id: { type: "string" } } },
                example: { id: "inv_1" },
              },
            },
          },
        },
      },
    },
  };
  const dry = await svix.eventType.importOpenapi({ spec, dryRun: true, replaceAll: true });
  // replaceAll would archive every other type, Outbound's built-in directory types included.
  const ours = dry.data.modified.filter((name) => /^(invoice|beta|public)\./.test(name)).sort();
  assert.deepEqual(ours, ["beta.thing", "invoice.old", "invoice.paid", "public.thing"]);
  assert.ok(dry.data.modified.includes("participant.created"));

  assert.equal(dry.data.toModify?.[0]?.name, "invoice.paid");
  await rejectsWithStatus(svix.eventType.get("invoice.paid"), 404);

  const done = await svix.eventType.importOpenapi({ specRaw: JSON.stringify(spec) });
  assert.deepEqual(done.data.modified, ["invoice.paid"]);
  const paid = await svix.eventType.get("invoice.paid");
  assert.equal(paid.description, "An invoice was paid");
  assert.equal(paid.groupName, "invoice");
  assert.deepEqual(paid.schemas?.["1"], {
    type: "object",
    properties: { id: { type: "string" } },
    examples: [{ id: "inv_1" }],
  });
  assert.equal((await svix.eventType.get("invoice.old")).archived, false);

  await svix.eventType.importOpenapi({ spec, replaceAll: true });
  assert.equal((await svix.eventType.get("invoice.old")).archived, true);
  assert.equal((await svix.eventType.get("invoice.paid")).archived, false);

  await rejectsWithStatus(svix.eventType.importOpenapi({ specRaw: "openapi: 3.1.0" }), 422);
});

test("export/openapi answers a finished task holding a document that imports back to the same event types", async () => {
  const svix = server.svix;
  await svix.eventType.create({
    name: "export.me",
    description: "Exported",
    groupName: "export",
    schemas: { "1": { type: "object", properties: { a: { type: "string" } }, examples: [{ a: "x" }] } },
  });
  const started = await api<{ id: string; status: string }>(
    server,
    "POST",
    "/api/v1/event-type/export/openapi",
  );
  assert.equal(started.status, 202);
  const task = await svix.backgroundTask.get(started.body.id);
  assert.equal(task.status, "finished");
  const document = (task.data as { openapi: { webhooks: Record<string, unknown> } }).openapi;
  assert.ok(document.webhooks["export.me"], "the event type is in the document");
  assert.ok(!document.webhooks["invoice.old"], "archived event types are left out");

  await svix.eventType.delete("export.me", { expunge: true });
  await svix.eventType.importOpenapi({ spec: document as Record<string, unknown> });
  const back = await svix.eventType.get("export.me");
  assert.equal(back.description, "Exported");
  assert.equal(back.groupName, "export");
  assert.deepEqual(back.schemas, {
    "1": { type: "object", properties: { a: { type: "string" } }, examples: [{ a: "x" }] },
  });
});

test("send-example sends the example chosen by exampleIndex", async (t) => {
  const svix = server.svix;
  const receiver = await receiverForTest(t);
  await svix.eventType.create({
    name: "example.pick",
    description: "Two examples",
    schemas: { "1": { type: "object", examples: [{ n: 0 }, { n: 1 }] } },
  });
  const app = await svix.application.create({ name: "examples" });
  const endpoint = await svix.endpoint.create(app.id, { url: receiver.url });
  await svix.endpoint.sendExample(app.id, endpoint.id, { eventType: "example.pick", exampleIndex: 1 });
  const [request] = await receiver.waitFor(1);
  assert.deepEqual(JSON.parse(request?.body ?? ""), { n: 1 });
  await rejectsWithStatus(
    svix.endpoint.sendExample(app.id, endpoint.id, { eventType: "example.pick", exampleIndex: 2 }),
    422,
  );
});
