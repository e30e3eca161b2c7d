/**
 * `outbound send|apps|endpoints|messages|attempts|tail` against a real server, as a user runs them: a child process
 * with OUTBOUND_URL and OUTBOUND_API_TOKEN, output read from its pipes (not a terminal: no colours).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { api } from "../support/api.ts";
import { ensureEventType } from "../support/event-types.ts";
import { eventually } from "../support/poll.ts";
import { freePort, runOutbound } from "../support/server.ts";
import { beforeTests, receiverForTests, serverForTests } from "../support/servers-for-tests.ts";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), "outbound-cli-client-"));
const server = serverForTests({ OUTBOUND_RETRY_SCHEDULE: "1h" });
const ok = receiverForTests();
const failing = receiverForTests(() => ({ status: 500 }));
let appId: string;
let env: Record<string, string>;

beforeTests(async () => {
  env = { OUTBOUND_URL: server.url, OUTBOUND_API_TOKEN: server.token };
  await ensureEventType(server.svix, "invoice.paid");
  const app = await server.svix.application.create({ name: "CLI Corp", uid: "cli-corp" });
  appId = app.id;
  await server.svix.endpoint.create(app.id, { url: ok.url, description: "ok" });
});
after(() => rmSync(dir, { recursive: true, force: true }));

const outbound = (args: string[], extra: Record<string, string> = {}) =>
  runOutbound({ ...env, ...extra }, args);

test("send --data @file creates the message; listings show it as tables, --json for scripts", async () => {
  const file = path.join(dir, "invoice.json");
  writeFileSync(file, JSON.stringify({ id: "inv_1", amount: 4200 }));
  const sent = await outbound(["send", "--app", "cli-corp", "--type", "invoice.paid", "--data", `@${file}`]);
  assert.equal(sent.code, 0, sent.stderr);
  const msgId = /^Sent (msg_\w+) \(invoice\.paid\) to cli-corp\n$/.exec(sent.stdout)?.[1];
  assert.ok(msgId, sent.stdout);
  const stored = await api<{ payload: unknown }>(server, "GET", `/api/v1/app/${appId}/msg/${msgId}`);
  assert.deepEqual(stored.body.payload, { id: "inv_1", amount: 4200 });
  await ok.waitFor(1);

  const apps = await outbound(["apps"]);
  assert.equal(apps.code, 0, apps.stderr);
  assert.match(apps.stdout, /^ID +UID +NAME +CREATED\n/);
  assert.match(
    apps.stdout,
    new RegExp(`^${appId} +cli-corp +CLI Corp +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d$`, "m"),
  );

  const endpoints = await outbound(["endpoints", "--app", "cli-corp"]);
  assert.match(
    endpoints.stdout,
    new RegExp(`^ep_\\w+ +enabled +\\(all\\) +${ok.url.replaceAll(".", "\\.")}$`, "m"),
  );

  const messages = await outbound(["messages", "--app", "cli-corp", "--type", "invoice.paid"]);
  assert.match(messages.stdout, new RegExp(`^${msgId} +invoice\\.paid +`, "m"));

  const attempts = await eventually(
    () => outbound(["attempts", "--app", "cli-corp", "--msg", msgId]),
    (r) => /success +200 /.test(r.stdout),
    "the attempt listed as a success",
  );
  assert.match(attempts.stdout, /^ID +STATUS +CODE +MS +MESSAGE +ENDPOINT +TIME\n/);

  const json = await outbound(["messages", "--app", "cli-corp", "--json"]);
  const list = JSON.parse(json.stdout) as { data: Array<{ id: string }>; done: boolean };
  assert.ok(list.data.some((m) => m.id === msgId));
  assert.ok(
    !(apps.stdout + endpoints.stdout + attempts.stdout).includes("\u001b["),
    "no colours into a pipe",
  );
});

test("mistakes and failures name the fix", async () => {
  const noToken = await runOutbound({ OUTBOUND_URL: server.url }, ["apps"]);
  assert.equal(noToken.code, 1);
  assert.match(noToken.stderr, /^Set OUTBOUND_API_TOKEN to the server's API token/);

  const wrongToken = await outbound(["apps"], { OUTBOUND_API_TOKEN: "not-the-token" });
  assert.equal(wrongToken.code, 1);
  assert.match(wrongToken.stderr, /refused the token \(401\): check OUTBOUND_API_TOKEN/);

  const nobody = `http://127.0.0.1:${await freePort()}`;
  const unreachable = await outbound(["apps"], { OUTBOUND_URL: nobody });
  assert.equal(unreachable.code, 1);
  assert.match(
    unreachable.stderr,
    /^Cannot reach Outbound at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)\. Is it running\? Set OUTBOUND_URL/,
  );

  const missing = await outbound(["send", "--app", "cli-corp", "--type", "invoice.paid"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^Missing --data\.\n\nUsage: outbound send/);

  const badJson = await outbound(["send", "--app", "cli-corp", "--type", "invoice.paid", "--data", "{nope"]);
  assert.equal(badJson.code, 1);
  assert.match(badJson.stderr, /--data is not valid JSON/);

  const unknownApp = await outbound(["endpoints", "--app", "no-such-app"]);
  assert.equal(unknownApp.code, 1);
  assert.match(unknownApp.stderr, /failed \(404\): Application not found/);

  const invalid = await outbound(["send", "--app", "cli-corp", "--type", "not a type!", "--data", "{}"]);
  assert.equal(invalid.code, 1);
  assert.match(invalid.stderr, /failed \(422\): body\.eventType: /);
});

test("tail follows attempts as they happen and stops cleanly on Ctrl-C", async () => {
  const child = spawn(
    path.join(repoRoot, "node_modules", ".bin", "node"),
    ["src/cli/main.ts", "tail", "--app", "cli-corp", "--interval", "100"],
    { cwd: repoRoot, env: { PATH: process.env.PATH, ...env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  try {
    await eventually(
      async () => stderr,
      (text) => text.includes("Following attempts of cli-corp"),
      "tail started",
    );
    const before = stdout;
    // A second endpoint that fails joins while tail runs (the endpoint list is re-read).
    await server.svix.endpoint.create(appId, { url: failing.url, description: "failing" });
    await eventually(
      () => outbound(["endpoints", "--app", "cli-corp"]).then((r) => r.stdout),
      (text) => text.includes(failing.url),
      "the failing endpoint listed",
    );
    const message = await server.svix.message.create(appId, { eventType: "invoice.paid", payload: { n: 2 } });
    const lines = await eventually(
      async () => stdout.split("\n").filter((line) => line.includes(message.id)),
      (found) => found.length === 2,
      "both attempts of the new message in the tail",
      20_000,
    );
    assert.ok(
      lines.some((line) =>
        new RegExp(`^\\d\\d:\\d\\d:\\d\\d ok +200 +\\d+ ms  ${message.id} → ${ok.url}`).test(line),
      ),
      lines.join("\n"),
    );
    assert.ok(
      lines.some((line) =>
        new RegExp(`^\\d\\d:\\d\\d:\\d\\d fail +500 +\\d+ ms  ${message.id} → ${failing.url}`).test(line),
      ),
      lines.join("\n"),
    );
    assert.equal(before, "", "attempts made before tail started are not shown");
    assert.ok(!stdout.includes("\u001b["), "no colours into a pipe");
  } finally {
    child.kill("SIGINT");
  }
  assert.equal(await exited, 0, stderr);
});
