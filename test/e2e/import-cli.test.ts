/** `outbound import`: uploads a CSV to a running server, shows progress and follows the job to the end. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { api } from "../support/api.ts";
import { startServer, stopAllServers, type TestServer } from "../support/server.ts";

let server: TestServer;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "outbound-cli-"));
before(async () => {
  server = await startServer();
});
after(async () => {
  await stopAllServers();
  fs.rmSync(dir, { recursive: true, force: true });
});

function runCli(args: string[]) {
  return spawnSync(path.resolve("node_modules/.bin/node"), ["src/cli/main.ts", ...args], {
    env: { PATH: process.env.PATH, OUTBOUND_URL: server.url, OUTBOUND_API_TOKEN: server.token },
    encoding: "utf8",
    timeout: 30_000,
  });
}

test("imports 2,000 rows, shows progress, reports the bad row and exits 0", async () => {
  const app = (
    await api<{ id: string }>(server, "POST", "/api/v1/app", { name: "CLI import", uid: "cli-import" })
  ).body;
  await api(server, "POST", `/api/v1/app/${app.id}/issuer`, { id: "crm" });
  await api(server, "POST", `/api/v1/app/${app.id}/attribute`, { label: "Score", valueType: "Number" });
  const lines = ["member,Score"];
  for (let i = 1; i <= 2000; i++) lines.push(`m${i},${i === 1500 ? "lots" : i}`);
  const file = path.join(dir, "members.csv");
  fs.writeFileSync(file, `${lines.join("\n")}\n`);

  const result = runCli(["import", file, "--app", "cli-import", "--id-column", "member", "--issuer", "crm"]);
  assert.equal(result.status, 0, result.stderr);
  // Piped, not a terminal: plain lines, the upload's last one at 100 % of the file's size.
  assert.doesNotMatch(result.stderr, /\r/);
  assert.match(result.stderr, /^Uploading \[#{30}\] 100% \d+ KiB of \d+ KiB$/m);
  assert.match(result.stderr, /^Importing 2000 rows \(1999 created, 0 updated, 0 unchanged, 1 failed\)/m);
  assert.match(result.stderr, /Import imp_\w+ completed/);
  assert.match(result.stderr, /row 1500 \[Score\]: "lots" is not a number/);
  const found = await api<{ attributes: { Score: number } }>(
    server,
    "GET",
    `/api/v1/app/${app.id}/participant/lookup?issuer=crm&id=m2000`,
  );
  assert.equal(found.body.attributes.Score, 2000);

  // The same file again changes nothing, and the progress line says so instead of "0 created, 0 updated".
  const again = runCli(["import", file, "--app", "cli-import", "--id-column", "member", "--issuer", "crm"]);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stderr, /^Importing 2000 rows \(0 created, 0 updated, 1999 unchanged, 1 failed\)/m);
});

test("usage errors and an unknown issuer exit non-zero with a message", async () => {
  const usage = runCli(["import"]);
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /Usage: outbound import/);
  const file = path.join(dir, "one.csv");
  fs.writeFileSync(file, "id\n1\n");
  const refused = runCli(["import", file, "--app", "cli-import", "--id-column", "id", "--issuer", "nope"]);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /Upload refused \(422\).*unknown issuer/);
});
