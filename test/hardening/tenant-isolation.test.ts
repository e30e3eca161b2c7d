/**
 * Tenant isolation (design.md, "Tenants"): what a portal token can and cannot do, decided on the matched route
 * before the body is read. Each case reproduces a hole found by a probe of `npm start`.
 */
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { test } from "node:test";
import { Svix } from "svix";
import { api } from "../support/api.ts";
import { eventually } from "../support/poll.ts";
import { beforeTests, serverForTests } from "../support/servers-for-tests.ts";

const server = serverForTests({ LOG_LEVEL: "info" });
let appA: { id: string; uid: string };
let appB: { id: string; uid: string };
let portal: { url: string; token: string };

beforeTests(async () => {
  appA = (
    await api<{ id: string; uid: string }>(server, "POST", "/api/v1/app", { name: "A", uid: "tenant-a" })
  ).body;
  appB = (
    await api<{ id: string; uid: string }>(server, "POST", "/api/v1/app", { name: "B", uid: "tenant-b" })
  ).body;
  await api(server, "POST", `/api/v1/app/${appA.id}/endpoint`, { url: "http://127.0.0.1:9/a" });
  const access = await server.svix.authentication.appPortalAccess(appA.id, {});
  portal = { url: server.url, token: access.token };
});

/** A raw request that sends the path exactly as given (like curl --path-as-is). */
function rawRequest(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port: server.port, method, path, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => {
        text += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

test("a portal token cannot change, replace or delete its own application record", async () => {
  const attempts = [
    api(portal, "PATCH", `/api/v1/app/${appA.id}`, { uid: "tenant-c" }),
    api(portal, "PATCH", `/api/v1/app/${appA.id}`, { requireHttps: false }),
    api(portal, "PATCH", `/api/v1/app/${appA.id}`, { name: "renamed" }),
    api(portal, "PUT", `/api/v1/app/${appA.id}`, { name: "A", uid: "tenant-c" }),
    api(portal, "DELETE", `/api/v1/app/${appA.id}`),
  ];
  for (const response of await Promise.all(attempts)) assert.equal(response.status, 403);
  const after = await server.svix.application.get(appA.id);
  assert.equal(after.uid, "tenant-a");
  assert.equal(after.name, "A");
  // The operator's messages to another uid never land in A.
  assert.equal((await api(server, "GET", "/api/v1/app/tenant-c")).status, 404);
  // It still reads its own record.
  const own = await api<{ uid: string }>(portal, "GET", `/api/v1/app/${appA.id}`);
  assert.equal(own.status, 200);
  assert.equal(own.body.uid, "tenant-a");
});

test("another application's ids answer exactly like ids that do not exist", async () => {
  const paths = (app: string) => [
    `/api/v1/app/${app}`,
    `/api/v1/app/${app}/endpoint`,
    `/api/v1/app/${app}/msg`,
  ];
  for (const [foreign, missing] of [
    [appB.id, "app_2Z0000000000000000000000000"],
    [appB.uid, "tenant-z"],
  ] as const) {
    const foreignPaths = paths(foreign);
    const missingPaths = paths(missing);
    for (let i = 0; i < foreignPaths.length; i++) {
      const a = await api(portal, "GET", foreignPaths[i]!);
      const b = await api(portal, "GET", missingPaths[i]!);
      assert.equal(a.status, 404, foreignPaths[i]);
      assert.deepEqual(a, b, `${foreignPaths[i]} vs ${missingPaths[i]}`);
    }
  }
  const write = await api(portal, "POST", `/api/v1/app/${appB.id}/endpoint`, { url: "http://127.0.0.1:9/x" });
  assert.equal(write.status, 404);
  assert.equal((await server.svix.endpoint.list(appB.id)).data.length, 0);
});

test("a portal token reaches only its application's endpoints, messages and attempts, and reads the catalog", async () => {
  const sdk = new Svix(portal.token, { serverUrl: server.url });
  assert.equal((await sdk.endpoint.list(appA.id)).data.length, 1);
  await sdk.eventType.list();
  const denied = [
    api(portal, "GET", "/api/v1/app"),
    api(portal, "POST", "/api/v1/app", { name: "mine" }),
    api(portal, "POST", "/api/v1/event-type", { name: "x.y", description: "x" }),
    api(portal, "POST", `/api/v1/auth/app-portal-access/${appA.id}`, {}),
    api(portal, "GET", `/api/v1/app/${appA.id}/participant`),
    api(portal, "GET", `/api/v1/app/${appA.id}/issuer`),
    api(portal, "GET", `/api/v1/app/${appA.id}/distribution`),
  ];
  for (const response of await Promise.all(denied)) assert.equal(response.status, 403);
});

test("access is decided on the matched route: percent-encoded paths still need a token", async () => {
  const encoded = await rawRequest("GET", "/%61pi/v1/event-type");
  assert.equal(encoded.status, 401, encoded.body);
  const encodedApp = await rawRequest("GET", `/api/v1/%61pp/${appA.id}`);
  assert.equal(encodedApp.status, 401, encodedApp.body);
  assert.equal((await rawRequest("GET", "/api/v1/health")).status, 204);
});

test("an unauthenticated request is refused before its body is parsed", async () => {
  // Malformed and absurdly nested: parsing would answer 400 or 422. Authentication comes first.
  const nested = `${"[".repeat(100_000)}${"]".repeat(99_999)}`;
  const response = await rawRequest(
    "POST",
    `/api/v1/app/${appA.id}/msg`,
    { "content-type": "application/json" },
    nested,
  );
  assert.equal(response.status, 401, response.body);
  // A portal token of another app: 404 before parsing, too.
  const other = await server.svix.authentication.appPortalAccess(appB.id, {});
  const foreign = await rawRequest(
    "POST",
    `/api/v1/app/${appA.id}/msg`,
    { "content-type": "application/json", authorization: `Bearer ${other.token}` },
    nested,
  );
  assert.equal(foreign.status, 404, foreign.body);
});

test("the access log names route, status and token kind, never the token", async () => {
  await api(portal, "GET", `/api/v1/app/${appA.id}/endpoint`);
  const accessLines = () =>
    server
      .logs()
      .split("\n")
      .filter((line) => line.includes('"msg":"request"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter(
        (entry) =>
          entry.route === "/api/v1/app/:app_id/endpoint" && entry.auth === "app" && entry.status === 200,
      );
  // The child's stdout arrives asynchronously: wait for the line rather than racing it.
  const [line] = await eventually(
    async () => accessLines(),
    (lines) => lines.length > 0,
    "an access log line",
  );
  assert.ok(line);
  assert.equal(line.status, 200);
  assert.equal(line.app, appA.id);
  assert.equal(typeof line.ms, "number");
  assert.ok(!server.logs().includes(portal.token), "the portal token is never logged");
  assert.ok(!server.logs().includes(server.token), "the operator token is never logged");
});
