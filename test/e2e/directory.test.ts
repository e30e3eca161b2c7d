/**
 * Participant directory and external distribution (seeds 000 and 002) through the HTTP API, with real loopback
 * receivers: issuers and attributes, a CSV import with good and bad rows, an Invitation whose payload has exactly
 * seed 000's shape, the unsubscribe page, a Reminder that skips unsubscribed and responded participants, and the
 * participant.* lifecycle events.
 */
import assert from "node:assert/strict";
import { after, afterEach, before, test } from "node:test";
import { api, createEndpoint } from "../support/api.ts";
import { importCsv } from "../support/imports.ts";
import { eventually } from "../support/poll.ts";
import { type Receiver, startReceiver, verifyRequest } from "../support/receiver.ts";
import {
  reportServerLogsOnFailure,
  startServer,
  stopAllServers,
  type TestServer,
} from "../support/server.ts";

let server: TestServer;
let channel: Receiver;
let lifecycle: Receiver;
let appId: string;
let channelSecret: string;
let channelEndpointId: string;

const CSV = [
  "\uFEFFphone;First name;Occupation;JoinedAt;RecontactMethod;consent;tags",
  "+15550001;Ada;Developer;2024-01-02T03:04:05Z;External;yes;vip|beta",
  '+15550002;"Grace; ""the admiral""\nHopper";ops;2024-02-03T00:00:00Z;External;yes;vip',
  "+15550003;Bad;Astronaut;2024-01-01T00:00:00Z;External;yes;",
  ";NoId;dev;2024-01-01T00:00:00Z;External;yes;",
  "+15550004;Linus;dev;not-a-date;External;yes;",
  "+15550005;Emailer;dev;2024-01-01T00:00:00Z;Email;yes;vip",
  "+15550006;NoConsent;dev;2024-01-01T00:00:00Z;External;no;vip",
].join("\r\n");

type DeliveryStats = { success: number; pending: number; sending: number; fail: number };
type Participant = { id: string; attributes: Record<string, unknown>; unsubscribedAt: string | null };

/** Directory events carry their type in the payload, as Svix-style events do. */
const typeOf = (request: { body: string }) => (JSON.parse(request.body) as { type?: string }).type;

before(async () => {
  server = await startServer();
  channel = await startReceiver();
  lifecycle = await startReceiver();
  const app = await api<{ id: string }>(server, "POST", "/api/v1/app", { name: "Rival research" });
  appId = app.body.id;
  const endpoint = await createEndpoint(server, appId, {
    url: channel.url,
    eventTypes: ["distribution.external"],
  });
  channelSecret = (await server.svix.endpoint.getSecret(appId, endpoint.id)).key;
  channelEndpointId = endpoint.id;
  await createEndpoint(server, appId, {
    url: lifecycle.url,
    eventTypes: [
      "participant.created",
      "participant.profile_updated",
      "participant.tags_added",
      "participant.unsubscribed",
    ],
  });
});
after(async () => {
  await stopAllServers();
  await channel.close();
  await lifecycle.close();
});
afterEach(reportServerLogsOnFailure);

test("issuers and typed attributes; system attributes exist from the start", async () => {
  assert.equal((await api(server, "POST", `/api/v1/app/${appId}/issuer`, { id: "whatsapp" })).status, 201);
  assert.equal((await api(server, "POST", `/api/v1/app/${appId}/issuer`, { id: "whatsapp" })).status, 409);
  const attributes = [
    { label: "FirstName", valueType: "String" },
    {
      label: "Occupation",
      valueType: "SingleChoice",
      choices: [
        { value: "dev", label: "Developer" },
        { value: "ops", label: "Operator" },
      ],
    },
    { label: "JoinedAt", valueType: "DateTime" },
  ];
  for (const attribute of attributes) {
    assert.equal((await api(server, "POST", `/api/v1/app/${appId}/attribute`, attribute)).status, 201);
  }
  const bad = await api<{ detail: Array<{ loc: string[] }> }>(
    server,
    "POST",
    `/api/v1/app/${appId}/attribute`,
    {
      label: "Mood",
      valueType: "SingleChoice",
    },
  );
  assert.equal(bad.status, 422);
  assert.deepEqual(bad.body.detail[0]?.loc, ["body", "choices"]);
  const list = await api<{ data: Array<{ id: string; systemDefined: boolean; valueType: string }> }>(
    server,
    "GET",
    `/api/v1/app/${appId}/attribute`,
  );
  const recontact = list.body.data.find((a) => a.id === "RecontactMethod");
  assert.equal(recontact?.systemDefined, true);
  assert.equal(recontact?.valueType, "SingleChoice");
  assert.ok(list.body.data.some((a) => a.id === "TimeZone"));
});

test("CSV import: BOM, CRLF, ';', quotes and embedded newlines; bad rows reported, good rows imported", async () => {
  const query = new URLSearchParams({
    idColumn: "phone",
    issuer: "whatsapp",
    consentColumn: "consent",
    tagsColumn: "tags",
    columns: JSON.stringify({ "First name": "FirstName" }),
  });
  const done = await importCsv(server, appId, query.toString(), CSV);
  assert.equal(done.state, "completed", JSON.stringify(done));
  assert.equal(done.rowsRead, 7);
  assert.equal(done.created, 4);
  assert.equal(done.failed, 3);
  assert.deepEqual(
    done.errors.map((e) => [e.row, e.column]),
    [
      [3, "Occupation"],
      [4, "phone"],
      [5, "JoinedAt"],
    ],
  );
  assert.match(done.errors[0]?.message ?? "", /Astronaut/);

  const grace = await api<Participant>(
    server,
    "GET",
    `/api/v1/app/${appId}/participant/lookup?issuer=whatsapp&id=%2B15550002`,
  );
  assert.equal(grace.status, 200);
  assert.equal(grace.body.attributes.FirstName, 'Grace; "the admiral"\nHopper');
  assert.equal(grace.body.attributes.Occupation, "ops");
  await lifecycle.waitUntil(
    (requests) => requests.filter((r) => typeOf(r) === "participant.created").length === 4,
    "four participant.created events",
  );
});

test("a participant created through the API; a bad DateTime or unknown choice is a 422 naming it", async () => {
  const bad = await api<{ detail: Array<{ loc: string[] }> }>(
    server,
    "POST",
    `/api/v1/app/${appId}/participant`,
    {
      externalIdentifiers: [{ issuer: "whatsapp", id: "+15550099" }],
      attributes: { JoinedAt: "yesterday", Occupation: "pilot" },
    },
  );
  assert.equal(bad.status, 422);
  assert.deepEqual(
    bad.body.detail.map((d) => d.loc),
    [
      ["body", "attributes", "JoinedAt"],
      ["body", "attributes", "Occupation"],
    ],
  );
  const created = await api<Participant>(server, "POST", `/api/v1/app/${appId}/participant`, {
    externalIdentifiers: [{ issuer: "whatsapp", id: "+15550007" }],
    attributes: { FirstName: "Hedy", RecontactMethod: "External", Occupation: "Developer" },
    tags: ["vip"],
    consent: { given: true, source: "api" },
  });
  assert.equal(created.status, 201);
  assert.equal(created.body.attributes.Occupation, "dev");
  const duplicate = await api(server, "POST", `/api/v1/app/${appId}/participant`, {
    externalIdentifiers: [{ issuer: "whatsapp", id: "+15550007" }],
  });
  assert.equal(duplicate.status, 409);
});

test("Invitation, unsubscribe page, responded, Reminder", async () => {
  const unknown = await api<{ detail: Array<{ loc: string[]; msg: string }> }>(
    server,
    "POST",
    `/api/v1/app/${appId}/distribution`,
    {
      distributionType: "Invitation",
      message: "Hi {{participant.attributes.Nickname}}",
      chatUrl: "https://chat.example.com/c",
      domainBrandName: "Acme Research",
    },
  );
  assert.equal(unknown.status, 422);
  assert.deepEqual(unknown.body.detail[0]?.loc, ["body", "message"]);
  assert.match(unknown.body.detail[0]?.msg ?? "", /Nickname/);

  const invitation = await api<{ id: string; counts: { targeted: number } }>(
    server,
    "POST",
    `/api/v1/app/${appId}/distribution`,
    {
      distributionType: "Invitation",
      message: "Hi {{participant.attributes.FirstName}}, join us: {{chatUrl}} (stop: {{unsubscribeUrl}})",
      chatUrl: "https://chat.example.com/c",
      domainBrandName: "Acme Research",
      audience: { tags: ["vip"] },
    },
  );
  assert.equal(invitation.status, 201);
  assert.equal(
    invitation.body.counts.targeted,
    3,
    "Ada, Grace, Hedy: not the Email one, not the one without consent",
  );
  const requests = await channel.waitFor(3);
  const payloads = requests.map((r) => verifyRequest(r, channelSecret) as Record<string, unknown>);
  const ada = payloads.find((p) => JSON.stringify(p).includes("+15550001"))!;
  assert.deepEqual(Object.keys(ada), [
    "messageId",
    "chatId",
    "chatUrl",
    "unsubscribeUrl",
    "distributionType",
    "message",
    "domainBrandName",
    "distributionId",
    "participant",
  ]);
  assert.equal(ada.distributionType, "Invitation");
  assert.equal(ada.distributionId, invitation.body.id);
  assert.equal(ada.domainBrandName, "Acme Research");
  assert.equal(ada.chatUrl, `https://chat.example.com/c/${ada.chatId}`);
  assert.equal(ada.message, `Hi Ada, join us: ${ada.chatUrl} (stop: ${ada.unsubscribeUrl})`);
  assert.equal(requests.find((r) => r.body.includes("+15550001"))?.headers["webhook-id"], ada.messageId);
  const participant = ada.participant as {
    id: string;
    externalIdentifiers: unknown;
    attributes: Array<Record<string, unknown>>;
  };
  assert.deepEqual(participant.externalIdentifiers, [{ id: "+15550001", issuer: "whatsapp" }]);
  const occupation = participant.attributes.find((a) => a.label === "Occupation");
  assert.deepEqual(occupation, {
    label: "Occupation",
    valueType: "SingleChoice",
    value: "dev",
    friendlyValue: "Developer",
    attribute: {
      id: "Occupation",
      label: "Occupation",
      systemDefined: false,
      type: "PROFILE",
      valueType: "SingleChoice",
    },
  });
  assert.equal(participant.attributes.find((a) => a.label === "JoinedAt")?.value, "2024-01-02T03:04:05.000Z");
  assert.equal(participant.attributes.find((a) => a.label === "RecontactMethod")?.friendlyValue, "External");
  const recontact = participant.attributes.find((a) => a.label === "RecontactMethod");
  assert.equal((recontact?.attribute as { systemDefined: boolean } | undefined)?.systemDefined, true);

  await eventually(
    async () =>
      (
        await api<{ counts: { delivered: number } }>(
          server,
          "GET",
          `/api/v1/app/${appId}/distribution/${invitation.body.id}`,
        )
      ).body,
    (d) => d.counts.delivered === 3,
    "three deliveries counted",
  );

  // Unsubscribe: GET only asks; a tampered link gets a clear page; POST opts out.
  const link = String(ada.unsubscribeUrl);
  assert.ok(link.startsWith(`${server.url}/u/`), link);
  const shown = await fetch(link);
  assert.equal(shown.status, 200);
  const html = await shown.text();
  assert.match(html, /<form method="post">/);
  assert.match(html, /<html lang="en">/);
  assert.equal(
    (await api<Participant>(server, "GET", `/api/v1/app/${appId}/participant/${participant.id}`)).body
      .unsubscribedAt,
    null,
    "a GET alone must not unsubscribe",
  );
  const tampered = await fetch(`${link.slice(0, -3)}abc`);
  assert.equal(tampered.status, 404);
  assert.match(await tampered.text(), /not valid/);
  assert.equal((await fetch(`${server.url}/u/garbage`)).status, 404);
  // Exactly what the page's own form sends from a browser: an empty urlencoded body.
  const confirmed = await fetch(link, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: server.url },
    body: "",
  });
  assert.equal(confirmed.status, 200);
  assert.match(await confirmed.text(), /unsubscribed/);
  assert.notEqual(
    (await api<Participant>(server, "GET", `/api/v1/app/${appId}/participant/${participant.id}`)).body
      .unsubscribedAt,
    null,
  );
  await lifecycle.waitUntil(
    (all) => all.some((r) => typeOf(r) === "participant.unsubscribed"),
    "participant.unsubscribed",
  );

  // Grace answered in the chat; the Reminder goes to Hedy only.
  const grace = payloads.find((p) => JSON.stringify(p).includes("+15550002"))!;
  const graceId = (grace.participant as { id: string }).id;
  assert.equal(
    (
      await api(
        server,
        "POST",
        `/api/v1/app/${appId}/distribution/${invitation.body.id}/participant/${graceId}/responded`,
      )
    ).status,
    204,
  );
  const reminder = await api<{ counts: { targeted: number } }>(
    server,
    "POST",
    `/api/v1/app/${appId}/distribution`,
    {
      distributionType: "Reminder",
      reminderOf: invitation.body.id,
      message: "Reminder for {{participant.attributes.FirstName}}: {{chatUrl}}",
      chatUrl: "https://chat.example.com/c",
      domainBrandName: "Acme Research",
    },
  );
  assert.equal(reminder.status, 201);
  assert.equal(reminder.body.counts.targeted, 1);
  const [, , , fourth] = await channel.waitFor(4);
  const reminded = verifyRequest(fourth!, channelSecret) as { distributionType: string; message: string };
  assert.equal(reminded.distributionType, "Reminder");
  assert.match(reminded.message, /^Reminder for Hedy: https:\/\/chat\.example\.com\/c\/chat_/);
  // Every delivery row is written before the distribution's 201, so once the channel endpoint has nothing pending
  // or in flight, no fifth request can still come.
  const stats = await eventually(
    () => api<DeliveryStats>(server, "GET", `/api/v1/app/${appId}/endpoint/${channelEndpointId}/stats`),
    (response) => response.body.pending === 0 && response.body.sending === 0,
    "the channel endpoint to have nothing pending or in flight",
  );
  assert.equal(stats.body.success, 4);
  assert.equal(channel.requests.length, 4);
});

test("participant API changes emit profile_updated (with changed fields) and tags_added", async () => {
  const hedy = await api<Participant>(
    server,
    "GET",
    `/api/v1/app/${appId}/participant/lookup?issuer=whatsapp&id=%2B15550007`,
  );
  const before = lifecycle.requests.length;
  const patched = await api<Participant>(
    server,
    "PATCH",
    `/api/v1/app/${appId}/participant/${hedy.body.id}`,
    {
      attributes: { FirstName: "Hedwig" },
    },
  );
  assert.equal(patched.status, 200);
  const tagged = await api(server, "POST", `/api/v1/app/${appId}/participant/${hedy.body.id}/tags`, {
    tags: ["inventor"],
  });
  assert.equal(tagged.status, 200);
  await lifecycle.waitFor(before + 2);
  const updated = lifecycle.requests.find((r) => typeOf(r) === "participant.profile_updated");
  const body = JSON.parse(updated!.body) as {
    changed: string[];
    participant: { attributes: Record<string, unknown> };
  };
  assert.deepEqual(body.changed, ["attributes.FirstName"]);
  assert.equal(body.participant.attributes.FirstName, "Hedwig");
  const tags = lifecycle.requests.find((r) => typeOf(r) === "participant.tags_added");
  assert.deepEqual((JSON.parse(tags!.body) as { tags: string[] }).tags, ["inventor"]);
});
