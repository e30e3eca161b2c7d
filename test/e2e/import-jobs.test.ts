/** Import jobs are listed per application; rows that change nothing are counted as `unchanged`, not `updated`. */
import assert from "node:assert/strict";
import { after, afterEach, before, test } from "node:test";
import { api } from "../support/api.ts";
import { type ImportJob, importCsv } from "../support/imports.ts";
import {
  reportServerLogsOnFailure,
  startServer,
  stopAllServers,
  type TestServer,
} from "../support/server.ts";

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(stopAllServers);
afterEach(reportServerLogsOnFailure);

async function importCsvHere(appId: string, csv: string): Promise<ImportJob> {
  const done = await importCsv(server, appId, "idColumn=member&issuer=crm", csv);
  assert.equal(done.state, "completed", JSON.stringify(done));
  return done;
}

test("re-importing the same rows reports them unchanged; the jobs are listed newest first", async () => {
  const app = (await api<{ id: string }>(server, "POST", "/api/v1/app", { name: "import jobs" })).body;
  await api(server, "POST", `/api/v1/app/${app.id}/issuer`, { id: "crm" });
  await api(server, "POST", `/api/v1/app/${app.id}/attribute`, { label: "Score", valueType: "Number" });
  const counts = (job: ImportJob) => [job.created, job.updated, job.unchanged, job.failed];

  const first = await importCsvHere(app.id, "member,Score\nm1,1\nm2,2\nm3,3\n");
  assert.deepEqual(counts(first), [3, 0, 0, 0]);
  const again = await importCsvHere(app.id, "member,Score\nm1,1\nm2,2\nm3,3\n");
  assert.deepEqual(counts(again), [0, 0, 3, 0], "nothing changed");
  const changed = await importCsvHere(app.id, "member,Score\nm1,1\nm2,20\nm3,3\nm4,4\n");
  assert.deepEqual(counts(changed), [1, 1, 2, 0]);

  const page1 = await api<{ data: ImportJob[]; iterator: string; done: boolean }>(
    server,
    "GET",
    `/api/v1/app/${app.id}/participant/import?limit=2`,
  );
  assert.equal(page1.status, 200);
  assert.deepEqual(
    page1.body.data.map((job) => job.id),
    [changed.id, again.id],
  );
  assert.equal(page1.body.done, false);
  assert.deepEqual(page1.body.data.map(counts), [counts(changed), counts(again)]);
  assert.equal(page1.body.data[0]?.errors, undefined, "row errors are read on the job itself");
  const page2 = await api<{ data: ImportJob[]; done: boolean }>(
    server,
    "GET",
    `/api/v1/app/${app.id}/participant/import?limit=2&iterator=${page1.body.iterator}`,
  );
  assert.deepEqual(
    page2.body.data.map((job) => job.id),
    [first.id],
  );
  assert.equal(page2.body.done, true);

  const other = (await api<{ id: string }>(server, "POST", "/api/v1/app", { name: "no imports" })).body;
  const none = await api<{ data: ImportJob[] }>(server, "GET", `/api/v1/app/${other.id}/participant/import`);
  assert.deepEqual(none.body.data, [], "another application's jobs are not listed");
});
