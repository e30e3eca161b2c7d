import fs from "node:fs";
import path from "node:path";
import type { Readable } from "node:stream";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Context } from "../domain/context.ts";
import { PayloadTooLargeError, TooManyRequestsError, ValidationError } from "../domain/errors.ts";
import { newId } from "../ids.ts";
import type { AttributeRow, ImportRow } from "../store/directory-types.ts";
import type { ApplicationRow } from "../store/types.ts";
import { findAttribute, listAttributes } from "./attributes.ts";
import {
  BATCH_ROWS,
  type BatchRow,
  type ColumnLayout,
  importBatch,
  MAX_RECORD_BYTES,
} from "./csv-import-batch.ts";
import { type CsvRecord, createRecordSplitter } from "./csv-records.ts";

export { BATCH_ROWS, MAX_FIELD_CHARS, MAX_RECORD_BYTES, MAX_REPORTED_ERRORS } from "./csv-import-batch.ts";

export interface ImportOptions {
  /** Column holding the external identifier, and the issuer it belongs to (create the issuer first). */
  idColumn: string;
  issuer: string;
  /** Column -> attribute id or label. Columns not listed map to the attribute with the same label or id. */
  columns?: Record<string, string>;
  consentColumn?: string;
  tagsColumn?: string;
  tagSeparator?: string;
  /** `upsert` (default) updates existing participants; `create-only` reports them as row errors. */
  mode?: "upsert" | "create-only";
  /** Auto-detected from the header line when absent. */
  delimiter?: "," | ";" | "\t";
}

/** Pure: picks the delimiter that splits the header line into the most columns (outside quotes). */
export function detectDelimiter(headerLine: string): "," | ";" | "\t" {
  const counts = { ",": 0, ";": 0, "\t": 0 };
  let quoted = false;
  for (const char of headerLine) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && char in counts) counts[char as keyof typeof counts]++;
  }
  const best = (Object.entries(counts) as Array<[keyof typeof counts, number]>).sort(
    (a, b) => b[1] - a[1],
  )[0];
  return best && best[1] > 0 ? best[0] : ",";
}

/** Pure: which attribute each column fills, given the header and explicit mappings. */
export function mapColumns(
  header: string[],
  options: ImportOptions,
  definitions: AttributeRow[],
): { attributeColumns: Array<[string, AttributeRow]>; problems: string[] } {
  const problems: string[] = [];
  for (const column of [
    options.idColumn,
    options.consentColumn,
    options.tagsColumn,
    ...Object.keys(options.columns ?? {}),
  ]) {
    if (column !== undefined && !header.includes(column)) {
      problems.push(`column "${column}" is not in the CSV header (${header.join(", ")})`);
    }
  }
  const special = new Set([options.idColumn, options.consentColumn, options.tagsColumn]);
  const attributeColumns: Array<[string, AttributeRow]> = [];
  for (const column of header) {
    if (special.has(column)) continue;
    const key = options.columns?.[column] ?? column;
    const definition = findAttribute(definitions, key);
    if (definition) attributeColumns.push([column, definition]);
    else if (options.columns?.[column] !== undefined)
      problems.push(`column "${column}" maps to unknown attribute "${key}"`);
  }
  return { attributeColumns, problems };
}

/** Streams the upload to the data directory, records the job, and starts it in the background. */
export async function startImport(
  ctx: Context,
  runner: ImportRunner,
  app: ApplicationRow,
  options: ImportOptions,
  body: Readable,
  declaredBytes: number | undefined,
): Promise<ImportRow> {
  const limit = ctx.config.maxImportBytes;
  if (declaredBytes !== undefined && declaredBytes > limit) throw uploadTooLarge(limit);
  const inFlight = ctx.config.quotas.importsInFlightPerApp;
  if (runner.inFlight(app.id) >= inFlight) {
    throw new TooManyRequestsError(
      `this application already has ${inFlight} imports running (OUTBOUND_MAX_IMPORTS_IN_FLIGHT)`,
      5,
    );
  }
  if (!(await ctx.store.getIssuer(app.id, options.issuer))) {
    throw ValidationError.field(["query", "issuer"], `unknown issuer "${options.issuer}"; create it first`);
  }
  const now = ctx.now();
  const id = newId("imp", now);
  const dir = path.join(ctx.config.dataDir, "imports");
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `${id}.csv`);
  try {
    await pipeline(body, byteLimit(limit), fs.createWriteStream(file, { mode: 0o600 }));
  } catch (error) {
    fs.rmSync(file, { force: true });
    throw error;
  }
  const job: ImportRow = {
    id,
    appId: app.id,
    state: "queued",
    options: { ...options },
    file,
    rowsRead: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    failed: 0,
    errors: [],
    message: null,
    createdAt: now,
    updatedAt: now,
  };
  await ctx.store.insertImport(job);
  runner.start(job);
  return job;
}

function uploadTooLarge(limit: number): PayloadTooLargeError {
  return new PayloadTooLargeError(`the CSV upload is larger than OUTBOUND_MAX_IMPORT_BYTES (${limit} bytes)`);
}

/** Passes bytes through until `limit`, then fails the pipeline (which stops the upload and drops the spool file). */
function byteLimit(limit: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > limit) callback(uploadTooLarge(limit));
      else callback(null, chunk);
    },
  });
}

export interface ImportRunner {
  start(job: ImportRow): void;
  /** Jobs of this application running in this process. */
  inFlight(appId: string): number;
  /** Restarts jobs a previous process left unfinished (they resume after their last committed row). */
  resumeUnfinished(): Promise<void>;
  /** Shutdown: running jobs stop after their current batch and resume from there at the next start. */
  stop(): Promise<void>;
}

export function createImportRunner(ctx: Context): ImportRunner {
  const running = new Map<string, Promise<void>>();
  const appOf = new Map<string, string>();
  const stopping = new AbortController();
  function start(job: ImportRow) {
    if (running.has(job.id) || stopping.signal.aborted) return;
    appOf.set(job.id, job.appId);
    const done = runImport(ctx, job, stopping.signal)
      .catch(async (error: unknown) => {
        ctx.logger.error({ err: error, importId: job.id }, "import failed");
        await ctx.store.updateImport({
          ...job,
          state: "failed",
          message: "internal error",
          updatedAt: ctx.now(),
        });
      })
      .finally(() => {
        running.delete(job.id);
        appOf.delete(job.id);
      });
    running.set(job.id, done);
  }
  return {
    start,
    inFlight(appId) {
      let count = 0;
      for (const job of running.keys()) if (appOf.get(job) === appId) count++;
      return count;
    },
    async resumeUnfinished() {
      for (const job of await ctx.store.listUnfinishedImports()) {
        // On a shared database, a job whose file is not on this machine's disk belongs to another API process.
        if (ctx.config.database.kind === "postgres" && (job.file === null || !fs.existsSync(job.file)))
          continue;
        start(job);
      }
    },
    async stop() {
      stopping.abort();
      await Promise.all(running.values());
    },
  };
}

function readHeaderLine(file: string): string {
  const fd = fs.openSync(file, "r");
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const read = fs.readSync(fd, buffer, 0, buffer.length, 0);
    return (
      buffer
        .subarray(0, read)
        .toString("utf8")
        .replace(/^\uFEFF/, "")
        .split(/\r?\n/)[0] ?? ""
    );
  } finally {
    fs.closeSync(fd);
  }
}

/** Pure: where the import finds each column it reads (the last of same-named columns wins, as before). */
export function columnLayout(
  header: string[],
  options: ImportOptions,
  attributeColumns: Array<[string, AttributeRow]>,
): ColumnLayout {
  const indexOf = new Map(header.map((name, index) => [name, index]));
  return {
    header,
    idIndex: indexOf.get(options.idColumn) ?? -1,
    consentIndex: options.consentColumn === undefined ? undefined : indexOf.get(options.consentColumn),
    tagsIndex: options.tagsColumn === undefined ? undefined : indexOf.get(options.tagsColumn),
    tagSeparator: options.tagSeparator ?? "|",
    attributes: attributeColumns.map(([column, definition]) => ({
      index: indexOf.get(column) ?? -1,
      column,
      definition,
    })),
    mode: options.mode ?? "upsert",
    issuer: options.issuer,
    idColumn: options.idColumn,
  };
}

/**
 * Bytes of a read chunk split at a time. A record's fields stay alive until its batch commits, so records parsed
 * in one burst fill young-generation pages that are mostly alive at the next scavenge, and V8 moves such pages to
 * the old space whole ("page promotion"): a 64 KiB chunk's 700 records were promoted every other scavenge, about
 * 260 bytes per row, which grew the old space by 250 MB per million rows and took full collections to reclaim.
 * Split 4 KiB at a time, each burst (about 40 records) shares its pages with the batch's short-lived garbage.
 */
const SPLIT_BYTES = 4096;

/**
 * The file's records, a few KiB's worth at a time (one await per piece, not per record), split without holding
 * more than one record's bytes.
 */
async function* readRecords(file: string, delimiter: string): AsyncGenerator<CsvRecord[]> {
  const splitter = createRecordSplitter(delimiter, MAX_RECORD_BYTES);
  for await (const chunk of fs.createReadStream(file)) {
    const bytes = chunk as Buffer;
    for (let start = 0; start < bytes.length; start += SPLIT_BYTES)
      yield splitter.push(bytes.subarray(start, start + SPLIT_BYTES));
  }
  yield splitter.end();
}

async function runImport(ctx: Context, initial: ImportRow, stop: AbortSignal): Promise<void> {
  const app = await ctx.store.getApplication(initial.appId);
  const file = initial.file;
  let job: ImportRow = { ...initial, state: "running", updatedAt: ctx.now() };
  const finish = async (state: ImportRow["state"], message: string | null) => {
    job = { ...job, state, message, file: null, updatedAt: ctx.now() };
    await ctx.store.updateImport(job);
    if (file) fs.rmSync(file, { force: true });
  };
  if (!app || !file || !fs.existsSync(file))
    return finish("failed", "the uploaded file is no longer available");
  await ctx.store.updateImport(job);

  const options = job.options as unknown as ImportOptions;
  const definitions = await listAttributes(ctx, app.id);
  const issuers = (await ctx.store.listIssuers(app.id)).map((issuer) => issuer.id);
  const delimiter = options.delimiter ?? detectDelimiter(readHeaderLine(file));

  let header: string[] | null = null;
  let layout: ColumnLayout | null = null;
  let rowNumber = 0;
  let batch: BatchRow[] = [];
  const alreadyDone = job.rowsRead;
  const flush = async () => {
    if (layout && batch.length > 0)
      job = await importBatch(ctx, app, job, batch, layout, definitions, issuers);
    batch = [];
  };
  const unreadable = async (problem: string) => {
    await flush();
    return finish("failed", `CSV could not be read after row ${job.rowsRead}: ${problem}`);
  };
  const records = readRecords(file, delimiter);
  try {
    for await (const chunk of records) {
      for (const record of chunk) {
        if (record.kind === "malformed")
          return unreadable(header ? `row ${rowNumber + 1}, ${record.message}` : `header, ${record.message}`);
        if (!header) {
          if (record.kind === "oversized")
            return finish("failed", `the header line is larger than ${MAX_RECORD_BYTES} bytes`);
          header = record.fields;
          continue;
        }
        if (!layout) {
          const mapping = mapColumns([...new Set(header)], options, definitions);
          if (mapping.problems.length > 0) return finish("failed", mapping.problems.join("; "));
          layout = columnLayout(header, options, mapping.attributeColumns);
        }
        rowNumber++;
        if (rowNumber <= alreadyDone) continue;
        batch.push({ row: rowNumber, fields: record.kind === "fields" ? record.fields : null });
        if (batch.length >= BATCH_ROWS) {
          await flush();
          // Left "running" with its committed rows counted: resumeUnfinished continues after them.
          if (stop.aborted) return;
        }
      }
    }
    await flush();
  } catch (error) {
    await flush().catch(() => undefined);
    return finish("failed", `CSV could not be read after row ${job.rowsRead}: ${(error as Error).message}`);
  } finally {
    await records.return(undefined);
  }
  return finish("completed", layout ? null : "the file has no data rows");
}
