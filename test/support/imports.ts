import assert from "node:assert/strict";
import { api } from "./api.ts";
import { eventually } from "./poll.ts";
import type { TestServer } from "./server.ts";

/** A CSV import job as `GET …/participant/import/{id}` answers it. */
export interface ImportJob {
  id: string;
  state: string;
  rowsRead: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  errors: Array<{ row: number; column: string | null; message: string }>;
  message: string | null;
}

/** Uploads `csv` to the application's import route (`query`: idColumn, issuer, …) and returns the accepted job. */
export async function startImport(
  server: TestServer,
  appId: string,
  query: string,
  csv: string,
): Promise<ImportJob> {
  const response = await fetch(`${server.url}/api/v1/app/${appId}/participant/import?${query}`, {
    method: "POST",
    headers: { authorization: `Bearer ${server.token}`, "content-type": "text/csv" },
    body: csv,
  });
  assert.equal(response.status, 202, await response.clone().text());
  return (await response.json()) as ImportJob;
}

/** The job once it is neither queued nor running (completed or failed). */
export function importSettled(server: TestServer, appId: string, job: { id: string }): Promise<ImportJob> {
  return eventually(
    async () =>
      (await api<ImportJob>(server, "GET", `/api/v1/app/${appId}/participant/import/${job.id}`)).body,
    (state) => state.state !== "running" && state.state !== "queued",
    `import ${job.id} to finish`,
  );
}

/** Uploads `csv` and waits for the import to finish. */
export async function importCsv(
  server: TestServer,
  appId: string,
  query: string,
  csv: string,
): Promise<ImportJob> {
  return importSettled(server, appId, await startImport(server, appId, query, csv));
}
