/**
 * CSV imports are bounded: the upload (OUTBOUND_MAX_IMPORT_BYTES, 413, nothing left on disk), each record, field
 * and attribute value (row errors), and an idempotency key on a streamed upload is a clear 422, never a 500.
 * Scaled down: the server runs with a 64 KiB upload limit (a second one with 4 MiB for the record limit).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, afterEach, before, test } from "node:test";
import { api } from "../support/api.ts";
import { importCsv } from "../support/imports.ts";
import {
  reportServerLogsOnFailure,
  startServer,
  stopAllServers,
  type TestServer,
} from "../support/server.ts";

const LIMIT = 64 * 1024;
let server: TestServer;
let appId: string;

before(async () => {
  server = await startServer({ OUTBOUND_MAX_IMPORT_BYTES: String(LIMIT) });
  appId = (await api<{ id: string }>(server, "POST", "/api/v1/app", { name: "imports" })).body.id;
  assert.equal((await api(server, "POST", `/api/v1/app/${appId}/issuer`, { id: "crm" })).status, 201);
  const attribute = { label: "Note", valueType: "String" };
  assert.equal((await api(server, "POST", `/api/v1/app/${appId}/attribute`, attribute)).status, 201);
});
after(stopAllServers);
afterEach(reportServerLogsOnFailure);

const IMPORT_QUERY = "idColumn=id&issuer=crm";
const importUrl = () => `${server.url}/api/v1/app/${appId}/participant/import?${IMPORT_QUERY}`;
const spooled = () => {
  const dir = path.join(server.dataDir, "imports");
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
};

test("an upload over the limit answers 413 and leaves nothing on disk", async () => {
  const body = `id,Note\n${"1,x\n".repeat(LIMIT / 4 + 10)}`;
  const declared = await fetch(importUrl(), {
    method: "POST",
    headers: { authorization: `Bearer ${server.token}`, "content-type": "text/csv" },
    body,
  });
  assert.equal(declared.status, 413);
  assert.match(await declared.text(), /OUTBOUND_MAX_IMPORT_BYTES/);

  // Without a Content-Length (chunked), the limit is enforced while streaming.
  const chunks = [
    `id,Note\n`,
    ..."abcdefghijklmnopqrstuvwxyz".split("").map((c) => `${c},${"y".repeat(4000)}\n`),
  ];
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks.shift();
      if (next === undefined) controller.close();
      else controller.enqueue(new TextEncoder().encode(next));
    },
  });
  const chunked = await fetch(importUrl(), {
    method: "POST",
    headers: { authorization: `Bearer ${server.token}`, "content-type": "text/csv" },
    body: stream,
    duplex: "half",
  } as RequestInit).then(
    (response) => response.status,
    () => "connection closed",
  );
  assert.ok(chunked === 413 || chunked === "connection closed", String(chunked));
  assert.deepEqual(spooled(), [], "no spool file is left behind");
});

test("oversized fields and attribute values are row errors; the other rows import", async () => {
  const csv = ["id,Note", "p1,fine", `p2,${"z".repeat(9000)}`, `p3,${"w".repeat(5000)}`, "p4,also fine"].join(
    "\n",
  );
  const done = await importCsv(server, appId, IMPORT_QUERY, csv);
  assert.equal(done.state, "completed", JSON.stringify(done));
  assert.equal(done.created, 2);
  assert.equal(done.failed, 2);
  assert.deepEqual(
    done.errors.map((error) => [error.row, error.column]),
    [
      [2, "Note"],
      [3, "Note"],
    ],
  );
  assert.match(done.errors[0]!.message, /longer than 8192/);
  assert.match(done.errors[1]!.message, /longer than 4096/);
  // The same cap holds on the API.
  const viaApi = await api(server, "POST", `/api/v1/app/${appId}/participant`, {
    attributes: { Note: "v".repeat(5000) },
    externalIdentifiers: [{ issuer: "crm", id: "p9" }],
  });
  assert.equal(viaApi.status, 422, JSON.stringify(viaApi.body));
  assert.match(JSON.stringify(viaApi.body), /longer than 4096/);
});

test("an idempotency key on a streamed upload is a clear 422, not a 500", async () => {
  const response = await fetch(importUrl(), {
    method: "POST",
    headers: {
      authorization: `Bearer ${server.token}`,
      "content-type": "text/csv",
      "idempotency-key": "import-1",
    },
    body: "id,Note\np1,x\n",
  });
  assert.equal(response.status, 422);
  assert.match(await response.text(), /idempotency-key/);
});

test("a record over 1 MiB is a row error and the import goes on with the next record", async () => {
  const roomy = await startServer({ OUTBOUND_MAX_IMPORT_BYTES: String(4 * 1024 * 1024) });
  const app = (await api<{ id: string }>(roomy, "POST", "/api/v1/app", { name: "big records" })).body.id;
  assert.equal((await api(roomy, "POST", `/api/v1/app/${app}/issuer`, { id: "crm" })).status, 201);
  const note = { label: "Note", valueType: "String" };
  assert.equal((await api(roomy, "POST", `/api/v1/app/${app}/attribute`, note)).status, 201);
  // Quoted, with line breaks inside: skipping it must follow the quotes, not the lines.
  const huge = `"${`${"z".repeat(1000)}\n`.repeat(1100)}"`;
  const csv = [
    "id,Note",
    "p1,before",
    `p2,${huge}`,
    "p3,after",
    `p4,${"y".repeat(1100 * 1024)}`,
    "p5,last",
  ].join("\r\n");
  const done = await importCsv(roomy, app, IMPORT_QUERY, csv);
  assert.equal(done.state, "completed", JSON.stringify(done));
  assert.equal(done.created, 3);
  assert.equal(done.failed, 2);
  assert.deepEqual(
    done.errors.map((error) => [error.row, error.column]),
    [
      [2, null],
      [4, null],
    ],
  );
  assert.match(done.errors[0]!.message, /larger than 1048576 bytes/);
  const after = await api<{ attributes: Record<string, string> }>(
    roomy,
    "GET",
    `/api/v1/app/${app}/participant/lookup?issuer=crm&id=p3`,
  );
  assert.equal(after.body.attributes.Note, "after");
});

test("quoting the format does not allow stops the import at its row, after the rows before it", async () => {
  const done = await importCsv(
    server,
    appId,
    IMPORT_QUERY,
    'id,Note\nq1,fine\nq2,a "quoted" word\nq3,never read\n',
  );
  assert.equal(done.state, "failed");
  assert.equal(done.created, 1);
  assert.match(done.message ?? "", /after row 1: row 2, field 2: a quote is inside an unquoted value/);
});
