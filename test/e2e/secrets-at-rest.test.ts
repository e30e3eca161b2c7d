/** Endpoint secrets and credentials never appear in plain text in the database file; API tokens are stored hashed. */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { api, createEndpoint } from "../support/api.ts";
import { startServer } from "../support/server.ts";
import { serverForTests } from "../support/servers-for-tests.ts";

const server = serverForTests();

test("secrets, credentials and portal tokens are not readable in the SQLite files", async () => {
  const secret = "whsec_QUJDREVGR0hJSktMTU5PUFFSU1RVVldY";
  const password = "pw-6f1d2c0b9a8e7d";
  const app = await server.svix.application.create({ name: "at rest" });
  const endpoint = await createEndpoint(server, app.id, {
    url: "http://127.0.0.1:9/hook",
    secret,
    delivery: { credentials: { type: "basic", username: "u", password } },
  });
  assert.equal((await server.svix.endpoint.getSecret(app.id, endpoint.id)).key, secret);
  await server.svix.endpoint.rotateSecret(app.id, endpoint.id, {});
  const rotated = (await server.svix.endpoint.getSecret(app.id, endpoint.id)).key;
  const portal = await server.svix.authentication.appPortalAccess(app.id, {});
  // A header whose name says "credential", and one marked sensitive although its name does not.
  const headerKey = "hk-0c4e9b7a5d3f";
  const marked = "ref-77e1f0a2b9c4";
  const put = await api(server, "PUT", `/api/v1/app/${app.id}/endpoint/${endpoint.id}/headers`, {
    headers: { "X-Api-Key": headerKey, "X-Customer-Ref": marked, "X-Plain": "visible" },
    sensitive: ["X-Customer-Ref"],
  });
  assert.equal(put.status, 204, JSON.stringify(put.body));
  const headersOut = await server.svix.endpoint.getHeaders(app.id, endpoint.id);
  assert.deepEqual(headersOut.headers, { "X-Plain": "visible" });
  assert.deepEqual([...headersOut.sensitive].sort(), ["X-Api-Key", "X-Customer-Ref"]);
  const shown = await api<{ delivery: { credentials: { password: string } } }>(
    server,
    "GET",
    `/api/v1/app/${app.id}/endpoint/${endpoint.id}`,
  );
  assert.equal(shown.body.delivery.credentials.password, "********");
  await server.stop("SIGTERM"); // checkpoint the WAL into the main file
  const files = fs.readdirSync(server.dataDir).filter((name) => name.startsWith("outbound.db"));
  const bytes = Buffer.concat(files.map((name) => fs.readFileSync(path.join(server.dataDir, name))));
  for (const plain of [
    secret,
    secret.slice(6),
    rotated,
    password,
    portal.token,
    server.token,
    headerKey,
    marked,
  ]) {
    assert.equal(bytes.includes(plain), false, `${plain.slice(0, 10)}… must not be stored in plain text`);
  }
});

test("the data directory Outbound creates is 0700; the database, WAL and key files are 0600", async () => {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), "outbound-modes-"));
  const dataDir = path.join(parent, "fresh", "data");
  const modes = await startServer({ DATABASE_URL: path.join(dataDir, "outbound.db") });
  try {
    await modes.svix.application.create({ name: "modes" });
    const mode = (name: string) => fs.statSync(path.join(dataDir, name)).mode & 0o777;
    assert.equal(fs.statSync(dataDir).mode & 0o777, 0o700);
    for (const name of [
      "outbound.db",
      "outbound.db-wal",
      "outbound.db-shm",
      "outbound.db.lock",
      "encryption.key",
    ]) {
      assert.equal(mode(name).toString(8), "600", name);
    }
  } finally {
    await modes.stop();
    fs.rmSync(parent, { recursive: true, force: true });
  }
});
