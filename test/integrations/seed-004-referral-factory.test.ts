/**
 * Seed 004 (Referral Factory): triggers user.joined / user.qualified, a "which users to send" source filter,
 * GET with the data in the query string or POST as a form body, https-only endpoints, basic credentials, and
 * renamed/reordered fields (email -> email_address). The receiver serves TLS with a certificate made here and
 * trusted through OUTBOUND_CA_FILE.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { api, createEndpoint } from "../support/api.ts";
import { eventually } from "../support/poll.ts";
import { startServer, stopAllServers, type TestServer } from "../support/server.ts";
import { endpointSettled } from "../support/settled.ts";
import { selfSignedCert } from "../support/tls.ts";

interface Seen {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "outbound-tls-"));
let server: TestServer;
let receiver: https.Server;
let receiverUrl: string;
const seen: Seen[] = [];

before(async () => {
  const files = selfSignedCert(dir, "localhost");
  receiver = https.createServer(
    { key: fs.readFileSync(files.keyFile), cert: fs.readFileSync(files.certFile) },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        seen.push({
          method: req.method ?? "",
          url: req.url ?? "",
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
        });
        res.writeHead(200).end("ok");
      });
    },
  );
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `https://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  server = await startServer({ OUTBOUND_CA_FILE: files.certFile });
});

after(async () => {
  await stopAllServers();
  await new Promise((resolve) => receiver.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
});

async function waitForSeen(count: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (seen.length < count) {
    if (Date.now() > deadline) throw new Error(`expected ${count} requests, got ${seen.length}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const joined = (source: string, id: number) => ({
  referrer: {
    id: 261470,
    code: "zgLAYb",
    first_name: "Jessica",
    email: "support+jessica@referral-factory.com",
  },
  id,
  code: "zruTPh",
  first_name: "Byron",
  email: "support+byron@referral-factory.com",
  url: "https://webhooks.referral-factory.com/zruTPh/join",
  source,
  date: "2022-06-09",
  referrals_count: 0,
  campaign_id: 4815,
});

const MAPPING = {
  fields: [
    { to: "referrer_id", from: "referrer.id" },
    { to: "referrer_code", from: "referrer.code" },
    { to: "referrer_first_name", from: "referrer.first_name" },
    { to: "referrer_email", from: "referrer.email" },
    { to: "id", from: "id" },
    { to: "code", from: "code" },
    { to: "first_name", from: "first_name" },
    { to: "email_address", from: "email" },
    { to: "url", from: "url" },
    { to: "source", from: "source" },
    { to: "date", from: "date" },
    { to: "referrals_count", from: "referrals_count" },
    { to: "campaign_id", from: "campaign_id" },
  ],
};

const EXPECTED_QUERY =
  "referrer_id=261470&referrer_code=zgLAYb&referrer_first_name=Jessica&referrer_email=support%2Bjessica%40referral-factory.com" +
  "&id=261471&code=zruTPh&first_name=Byron&email_address=support%2Bbyron%40referral-factory.com" +
  "&url=https%3A%2F%2Fwebhooks.referral-factory.com%2FzruTPh%2Fjoin&source=Referred&date=2022-06-09&referrals_count=0&campaign_id=4815";

test("https-only app: GET with query string and POST form body, source filter, basic credentials", async () => {
  const app = await api<{ id: string }>(server, "POST", "/api/v1/app", {
    name: "Referral Factory",
    requireHttps: true,
  });
  assert.equal(app.status, 201);
  const appId = app.body.id;
  for (const name of ["user.joined", "user.qualified"])
    await server.svix.eventType.create({ name, description: name });

  const plain = await api<{ detail: Array<{ loc: string[]; msg: string }> }>(
    server,
    "POST",
    `/api/v1/app/${appId}/endpoint`,
    {
      url: "http://127.0.0.1:9/hook",
    },
  );
  assert.equal(plain.status, 422);
  assert.deepEqual(plain.body.detail[0]?.loc, ["body", "url"]);
  assert.match(plain.body.detail[0]?.msg ?? "", /https/);

  const getEndpoint = await createEndpoint(server, appId, {
    url: `${receiverUrl}/get-hook`,
    eventTypes: ["user.joined"],
    delivery: {
      method: "GET",
      mapping: MAPPING,
      filter: { source: { $in: ["Referred"] } },
      credentials: { type: "basic", username: "rf", password: "s3cret-pass" },
    },
  });
  assert.deepEqual((getEndpoint.delivery as { credentials: unknown }).credentials, {
    type: "basic",
    username: "rf",
    password: "********",
  });
  const formEndpoint = await createEndpoint(server, appId, {
    url: `${receiverUrl}/form-hook`,
    eventTypes: ["user.joined", "user.qualified"],
    delivery: { bodyEncoding: "form", mapping: MAPPING, signature: { scheme: "none" } },
  });

  await server.svix.message.create(appId, { eventType: "user.joined", payload: joined("Added", 261400) });
  await server.svix.message.create(appId, { eventType: "user.joined", payload: joined("Referred", 261471) });
  await waitForSeen(3);
  // Fails if the filter lets the Added user through to the GET endpoint: that delivery would stay pending or
  // sending until it arrived.
  for (const endpoint of [getEndpoint, formEndpoint]) await endpointSettled(server.svix, appId, endpoint.id);
  assert.equal(seen.length, 3, "the Added user is filtered out of the GET endpoint only");

  const get = seen.find((s) => s.method === "GET");
  assert.ok(get);
  assert.equal(get.url, `/get-hook?${EXPECTED_QUERY}`);
  assert.equal(get.body, "");
  assert.equal(get.headers.authorization, `Basic ${Buffer.from("rf:s3cret-pass").toString("base64")}`);

  const forms = seen.filter((s) => s.method === "POST");
  assert.equal(forms.length, 2);
  const referred = forms.find((s) => s.body.includes("source=Referred"));
  assert.equal(referred?.body, EXPECTED_QUERY);
  assert.equal(referred?.headers["content-type"], "application/x-www-form-urlencoded");
  assert.equal(referred?.headers["webhook-signature"], undefined);

  type Attempts = { data: Array<{ request: { url: string; headers: Record<string, string> } }> };
  const attempts = await eventually(
    () => api<Attempts>(server, "GET", `/api/v1/app/${appId}/attempt/endpoint/${getEndpoint.id}`),
    (response) => response.body.data.length === 1,
    "the GET attempt in the log",
  );
  assert.equal(attempts.body.data[0]?.request.url, `${receiverUrl}/get-hook?${EXPECTED_QUERY}`);
  assert.equal(attempts.body.data[0]?.request.headers.authorization, "********");
});

test("a filter with an unknown operator is refused with 422 at its path", async () => {
  const app = await server.svix.application.create({ name: "RF bad filter" });
  const response = await api<{ detail: Array<{ loc: string[] }> }>(
    server,
    "POST",
    `/api/v1/app/${app.id}/endpoint`,
    {
      url: `${receiverUrl}/x`,
      delivery: { filter: { source: { $regex: "Ref.*" } } },
    },
  );
  assert.equal(response.status, 422);
  assert.deepEqual(response.body.detail[0]?.loc, ["body", "delivery", "filter", "source", "$regex"]);
});
