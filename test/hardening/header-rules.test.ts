/**
 * Header names Outbound's sender owns cannot be set anywhere a user names a header (custom headers, `header`
 * credentials, the signature header); credentials never live in URLs; query-string tokens are masked in the
 * attempt log while the receiver still gets them.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { api, createEndpoint } from "../support/api.ts";
import { eventually } from "../support/poll.ts";
import { beforeTests, receiverForTests, serverForTests } from "../support/servers-for-tests.ts";

const server = serverForTests();
const receiver = receiverForTests();
let appId: string;

beforeTests(async () => {
  appId = (await api<{ id: string }>(server, "POST", "/api/v1/app", { name: "headers" })).body.id;
});

const reserved = [
  "Host",
  "content-length",
  "Transfer-Encoding",
  "connection",
  "webhook-signature",
  "svix-id",
];

test("reserved header names are refused as header credentials, custom headers and signature headers", async () => {
  for (const name of reserved) {
    const asCredential = await api(server, "POST", `/api/v1/app/${appId}/endpoint`, {
      url: receiver.url,
      delivery: { credentials: { type: "header", name, value: "internal-admin.corp" } },
    });
    assert.equal(asCredential.status, 422, `credential header ${name}: ${JSON.stringify(asCredential.body)}`);
    assert.match(JSON.stringify(asCredential.body), /credentials/);

    const asHeader = await api(server, "POST", `/api/v1/app/${appId}/endpoint`, {
      url: receiver.url,
      headers: { [name]: "x" },
    });
    assert.equal(asHeader.status, 422, `custom header ${name}`);

    const asSignature = await api(server, "POST", `/api/v1/app/${appId}/endpoint`, {
      url: receiver.url,
      delivery: { signature: { scheme: "hmac-sha256-hex", header: name } },
    });
    assert.equal(asSignature.status, 422, `signature header ${name}`);
  }
  const ok = await api(server, "POST", `/api/v1/app/${appId}/endpoint`, {
    url: receiver.url,
    delivery: { credentials: { type: "header", name: "X-Api-Key", value: "k-123456" } },
  });
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
  await api(server, "DELETE", `/api/v1/app/${appId}/endpoint/${(ok.body as { id: string }).id}`);
});

test("a custom header value HTTP cannot carry is refused at save time, not failed on every delivery", async () => {
  // Its own application, so the receiver's requests stay the other tests' own.
  const app = (await api<{ id: string }>(server, "POST", "/api/v1/app", { name: "header values" })).body;
  const endpoint = await createEndpoint(server, app.id, { url: receiver.url });
  const path = `/api/v1/app/${app.id}/endpoint/${endpoint.id}/headers`;
  for (const value of ["\u0100x", "smile 😀", "a\u007fb", "a\u0001b", "a\u0000b"]) {
    for (const method of ["PUT", "PATCH"]) {
      const saved = await api(server, method, path, { headers: { "X-Value": value } });
      assert.equal(saved.status, 422, `${method} ${JSON.stringify(value)}: ${JSON.stringify(saved.body)}`);
      assert.match(JSON.stringify(saved.body), /X-Value/);
    }
  }
  // What HTTP allows stays accepted: visible ASCII, spaces, tabs and Latin-1.
  const ok = await api(server, "PUT", path, { headers: { "X-Value": "café\tau lait" } });
  assert.equal(ok.status, 204, JSON.stringify(ok.body));
});

test("credentials in the endpoint URL are refused with a pointer to delivery.credentials", async () => {
  const response = await api(server, "POST", `/api/v1/app/${appId}/endpoint`, {
    url: `http://user:pass@127.0.0.1:${receiver.port}/hook`,
  });
  assert.equal(response.status, 422);
  assert.match(JSON.stringify(response.body), /delivery\.credentials/);
});

test("query-string tokens reach the receiver but are masked in the attempt log", async () => {
  const endpoint = await createEndpoint(server, appId, {
    url: `${receiver.url}?token=s3cr3t-value&team=blue`,
  });
  const before = receiver.requests.length;
  const message = await server.svix.message.create(appId, { eventType: "q.test", payload: { a: 1 } });
  await receiver.waitFor(before + 1);
  assert.match(receiver.requests.at(-1)!.url, /token=s3cr3t-value/);
  const attempts = await eventually(
    () => server.svix.messageAttempt.listByMsg(appId, message.id),
    (page) => page.data.length > 0,
    "an attempt",
  );
  const text = JSON.stringify(attempts);
  assert.ok(!text.includes("s3cr3t-value"), text);
  assert.match(attempts.data[0]!.url, /team=blue/);
  const detail = await api(
    server,
    "GET",
    `/api/v1/app/${appId}/msg/${message.id}/attempt/${attempts.data[0]!.id}`,
  );
  assert.ok(!JSON.stringify(detail.body).includes("s3cr3t-value"));
  await api(server, "DELETE", `/api/v1/app/${appId}/endpoint/${endpoint.id}`);
});

test("a header marked sensitive is sent in clear but redacted on read and masked in the attempt log", async () => {
  const endpoint = await createEndpoint(server, appId, { url: receiver.url, eventTypes: ["sensitive.test"] });
  const put = await api(server, "PUT", `/api/v1/app/${appId}/endpoint/${endpoint.id}/headers`, {
    headers: { "X-Customer-Ref": "ref-secret-42", "X-Team": "blue" },
    sensitive: ["X-Customer-Ref"],
  });
  assert.equal(put.status, 204);
  const shown = await server.svix.endpoint.getHeaders(appId, endpoint.id);
  assert.deepEqual(shown, { headers: { "X-Team": "blue" }, sensitive: ["X-Customer-Ref"] });
  // Changing its value keeps it sealed, without repeating the flag.
  await server.svix.endpoint.patchHeaders(appId, endpoint.id, {
    headers: { "X-Customer-Ref": "ref-secret-43" },
  });
  assert.deepEqual((await server.svix.endpoint.getHeaders(appId, endpoint.id)).sensitive, ["X-Customer-Ref"]);

  const before = receiver.requests.length;
  await server.svix.message.create(appId, { eventType: "sensitive.test", payload: { a: 1 } });
  const [received] = (await receiver.waitFor(before + 1)).slice(before);
  assert.equal(received!.headers["x-customer-ref"], "ref-secret-43");
  type Attempts = { data: Array<{ request: { headers: Record<string, string> } }> };
  const attempts = await eventually(
    () => api<Attempts>(server, "GET", `/api/v1/app/${appId}/attempt/endpoint/${endpoint.id}`),
    (response) => response.body.data.length === 1,
    "the attempt",
  );
  assert.equal(attempts.body.data[0]!.request.headers["x-customer-ref"], "********");
  assert.equal(attempts.body.data[0]!.request.headers["x-team"], "blue");
  await api(server, "DELETE", `/api/v1/app/${appId}/endpoint/${endpoint.id}`);
});
