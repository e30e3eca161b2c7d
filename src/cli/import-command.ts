import fs from "node:fs";
import { Readable, Transform } from "node:stream";
import { parseArgs } from "node:util";
import type { ClientConfig } from "../config.ts";
import { createProgress } from "./progress.ts";

export const IMPORT_USAGE = `Usage: outbound import <file.csv> --app <app id or uid> --id-column <column> --issuer <issuer>
         [--columns '{"CSV column":"Attribute"}'] [--consent-column <column>] [--tags-column <column>]
         [--tag-separator "|"] [--mode upsert|create-only] [--delimiter ","|";"]

Uploads the CSV to a running Outbound (OUTBOUND_URL, default http://localhost:$PORT) with OUTBOUND_API_TOKEN,
then follows the import job, showing progress, and prints the row errors.`;

interface ImportJob {
  id: string;
  state: string;
  rowsRead: number;
  created: number;
  updated: number;
  /** Rows that matched a participant and changed nothing (a re-run of the same file). */
  unchanged: number;
  failed: number;
  errors: Array<{ row: number; column: string | null; message: string }>;
  message: string | null;
}

/** `outbound import`: upload with a progress bar, then poll the job until it finishes. Returns the exit code. */
export async function runImportCommand(
  argv: string[],
  client: ClientConfig,
  out: NodeJS.WriteStream,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      app: { type: "string" },
      "id-column": { type: "string" },
      issuer: { type: "string" },
      columns: { type: "string" },
      "consent-column": { type: "string" },
      "tags-column": { type: "string" },
      "tag-separator": { type: "string" },
      mode: { type: "string" },
      delimiter: { type: "string" },
    },
  });
  const file = positionals[0];
  if (!file || !values.app || !values["id-column"] || !values.issuer) {
    out.write(`${IMPORT_USAGE}\n`);
    return 2;
  }
  if (!client.token) {
    out.write("Set OUTBOUND_API_TOKEN to the server's API token.\n");
    return 2;
  }
  const size = fs.statSync(file).size;
  const query = new URLSearchParams({ idColumn: values["id-column"], issuer: values.issuer });
  for (const [flag, param] of [
    ["columns", "columns"],
    ["consent-column", "consentColumn"],
    ["tags-column", "tagsColumn"],
    ["tag-separator", "tagSeparator"],
    ["mode", "mode"],
    ["delimiter", "delimiter"],
  ] as const) {
    const value = values[flag];
    if (value !== undefined) query.set(param, value);
  }
  const headers = { authorization: `Bearer ${client.token}` };
  const base = `${client.url}/api/v1/app/${encodeURIComponent(values.app)}/participant/import`;

  const progress = createProgress({
    tty: out.isTTY === true,
    write: (text) => out.write(text),
    now: Date.now,
  });
  const kib = (bytes: number) => `${Math.round(bytes / 1024)} KiB`;
  let sent = 0;
  progress.update("Uploading", 0, size, `0 of ${kib(size)}`, true);
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      sent += chunk.length;
      progress.update("Uploading", sent, size, `${kib(sent)} of ${kib(size)}`);
      done(null, chunk);
    },
  });
  const upload = await fetch(`${base}?${query}`, {
    method: "POST",
    headers: { ...headers, "content-type": "text/csv" },
    body: Readable.toWeb(fs.createReadStream(file).pipe(counter)) as ReadableStream,
    duplex: "half",
  } as RequestInit);
  progress.finish();
  if (upload.status !== 202) {
    out.write(`Upload refused (${upload.status}): ${await upload.text()}\n`);
    return 1;
  }
  let job = (await upload.json()) as ImportJob;
  const started = Date.now();
  while (job.state === "queued" || job.state === "running") {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const response = await fetch(`${base}/${job.id}`, { headers });
    job = (await response.json()) as ImportJob;
    const rate = Math.round(job.rowsRead / Math.max(0.001, (Date.now() - started) / 1000));
    progress.update(
      "Importing",
      job.rowsRead,
      null,
      `${job.rowsRead} rows (${job.created} created, ${job.updated} updated, ${job.unchanged} unchanged, ${job.failed} failed) ${rate} rows/s`,
    );
  }
  progress.finish();
  out.write(`Import ${job.id} ${job.state}${job.message ? `: ${job.message}` : ""}\n`);
  for (const error of job.errors.slice(0, 20)) {
    out.write(`  row ${error.row}${error.column ? ` [${error.column}]` : ""}: ${error.message}\n`);
  }
  if (job.errors.length > 20) out.write(`  … ${job.failed - 20} more failed rows (GET ${base}/${job.id})\n`);
  return job.state === "completed" ? 0 : 1;
}
