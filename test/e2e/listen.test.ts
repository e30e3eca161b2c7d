/**
 * `outbound listen`: a server that may not connect to loopback (no OUTBOUND_ALLOWED_SUBNETS) still gets deliveries
 * to a receiver on 127.0.0.1, through the CLI's relay stream; the receiver's answers become the attempts; the
 * temporary endpoint disappears with the CLI.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { api } from "../support/api.ts";
import { ensureEventType } from "../support/event-types.ts";
import { eventually } from "../support/poll.ts";
import { verifyRequest } from "../support/receiver.ts";
import { startServer, type TestServer } from "../support/server.ts";
import { beforeTests, receiverForTests, serverForTests } from "../support/servers-for-tests.ts";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
// No loopback exemption: the server itself refuses to connect to 127.0.0.1.
// Relays live on the API's thread; deliveries to them cross from the delivery thread (the multi-core default).
const server = serverForTests({
  OUTBOUND_ALLOWED_SUBNETS: "",
  OUTBOUND_RETRY_SCHEDULE: "1h",
  OUTBOUND_WORKER_THREADS: "1",
});
const receiver = receiverForTests((request) =>
  request.body.includes('"fail":true')
    ? { status: 500, body: "nope" }
    : { status: 201, headers: { "x-receiver": "local" }, body: "thanks" },
);
beforeTests(() => ensureEventType(server.svix, "invoice.paid"));

type Attempt = {
  responseStatusCode: number;
  response: string;
  status: number;
  endpointId: string;
  responseHeaders: Array<[string, string]> | null;
};

/** `outbound listen --app <app> --forward-to <receiver>` against `target`, its output collected as it comes. */
function spawnListen(target: TestServer, appId: string) {
  const child = spawn(
    path.join(repoRoot, "node_modules", ".bin", "node"),
    ["src/cli/main.ts", "listen", "--app", appId, "--forward-to", receiver.url],
    {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, OUTBOUND_URL: target.url, OUTBOUND_API_TOKEN: target.token },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const output = { stdout: "", stderr: "" };
  child.stdout.on("data", (chunk: Buffer) => {
    output.stdout += chunk.toString("utf8");
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output.stderr += chunk.toString("utf8");
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const ready = () =>
    eventually(
      async () => /Signing secret for your receiver: (whsec_\S+)/.exec(output.stderr)?.[1],
      (found) => found !== undefined,
      "listen to be ready",
    );
  return { child, output, exited, ready };
}

test("listen forwards real deliveries to a local receiver, reports its answers, and cleans up", async () => {
  const app = await server.svix.application.create({ name: "listen" });
  const direct = await api(server, "POST", `/api/v1/app/${app.id}/endpoint`, { url: receiver.url });
  assert.equal(direct.status, 422, "the server itself may not deliver to loopback");

  const { child, output, exited, ready } = spawnListen(server, app.id);
  try {
    const secret = await ready();
    const endpoints = await server.svix.endpoint.list(app.id);
    assert.equal(endpoints.data.length, 1);
    const relay = endpoints.data[0]!;
    assert.match(relay.url, /^https:\/\/relay\.outbound\.invalid\//);

    const ok = await server.svix.message.create(app.id, { eventType: "invoice.paid", payload: { n: 1 } });
    const failing = await server.svix.message.create(app.id, {
      eventType: "invoice.paid",
      payload: { fail: true },
    });
    const requests = await receiver.waitFor(2);
    for (const request of requests) verifyRequest(request, secret!); // signed with the relay endpoint's secret
    assert.deepEqual(requests.map((r) => r.headers["webhook-id"]).sort(), [ok.id, failing.id].sort());

    const attemptOf = (msgId: string) =>
      eventually(
        () => api<{ data: Attempt[] }>(server, "GET", `/api/v1/app/${app.id}/attempt/msg/${msgId}`),
        (r) => r.body.data.length > 0,
        `the attempt of ${msgId}`,
      ).then((r) => r.body.data[0]!);
    const success = await attemptOf(ok.id);
    assert.deepEqual([success.status, success.responseStatusCode, success.response], [0, 201, "thanks"]);
    assert.ok(
      success.responseHeaders?.some(([name, value]) => name === "x-receiver" && value === "local"),
      `the local receiver's headers are the attempt's: ${JSON.stringify(success.responseHeaders)}`,
    );
    const failure = await attemptOf(failing.id);
    assert.deepEqual([failure.status, failure.responseStatusCode, failure.response], [2, 500, "nope"]);
    await eventually(
      async () => output.stdout,
      (text) =>
        text.includes(`POST ${ok.id} → ${receiver.url} 201`) &&
        text.includes(`${failing.id} → ${receiver.url} 500`),
      "both deliveries printed",
    );
  } finally {
    child.kill("SIGINT");
  }
  assert.equal(await exited, 0, output.stderr);
  await eventually(
    () => server.svix.endpoint.list(app.id),
    (list) => list.data.length === 0,
    "the relay endpoint removed once listen stopped",
  );
});

test("a relay endpoint left by a server that crashed is removed once its session is a lease old", async () => {
  // A short lease: the session is renewed every third of it, and the sweep runs every half.
  const crashing = await startServer({
    OUTBOUND_ALLOWED_SUBNETS: "",
    OUTBOUND_REQUEST_TIMEOUT: "1s",
    OUTBOUND_LEASE: "2s",
  });
  const app = await crashing.svix.application.create({ name: "listen-crash" });
  const listen = spawnListen(crashing, app.id);
  try {
    await listen.ready();
    const [relay] = (await crashing.svix.endpoint.list(app.id)).data;
    assert.match(relay?.url ?? "", /^https:\/\/relay\.outbound\.invalid\//);

    // A live stream is not swept: its session is renewed. Once the session's heartbeat is two leases past the
    // endpoint's creation, the server has swept several times (every half lease), and the endpoint is still there.
    const db = new DatabaseSync(crashing.databaseUrl, { readOnly: true });
    try {
      const created = new Date(relay!.createdAt).getTime();
      await eventually(
        async () => Number(db.prepare("SELECT max(heartbeat_at) AS at FROM relay_sessions").get()?.at),
        (at) => at >= created + 4_000,
        "the relay session renewed for two leases",
      );
    } finally {
      db.close();
    }
    assert.equal((await crashing.svix.endpoint.list(app.id)).data.length, 1, "a live relay is kept");

    await crashing.stop("SIGKILL");
    assert.equal(await listen.exited, 1, "listen says the stream broke");
    assert.match(listen.output.stderr, /The relay stream broke|The server closed the relay/);

    await crashing.restart();
    await eventually(
      () => crashing.svix.endpoint.list(app.id),
      (list) => list.data.length === 0,
      "the leftover relay endpoint removed",
    );
  } finally {
    listen.child.kill("SIGINT");
  }
});

test("listen names the fix when it cannot start", async () => {
  const run = (args: string[], token = server.token) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(
        path.join(repoRoot, "node_modules", ".bin", "node"),
        ["src/cli/main.ts", "listen", ...args],
        {
          cwd: repoRoot,
          env: { PATH: process.env.PATH, OUTBOUND_URL: server.url, OUTBOUND_API_TOKEN: token },
          stdio: ["ignore", "ignore", "pipe"],
        },
      );
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString("utf8");
      });
      child.once("exit", (code) => resolve({ code, stderr }));
    });
  const noTarget = await run(["--app", "x"]);
  assert.equal(noTarget.code, 2);
  assert.match(noTarget.stderr, /^--forward-to must be an http\(s\) URL/);
  const unknownApp = await run(["--app", "no-such-app", "--forward-to", receiver.url]);
  assert.equal(unknownApp.code, 1);
  assert.match(unknownApp.stderr, /Opening the relay failed \(404\): Application not found/);
  const wrongToken = await run(["--app", "x", "--forward-to", receiver.url], "wrong-token-123");
  assert.match(wrongToken.stderr, /refused the token \(401\): check OUTBOUND_API_TOKEN/);
});
