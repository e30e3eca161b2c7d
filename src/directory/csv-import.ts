import fs from "node:fs";
import path from "node:path";
import type { Readable } from "node:stream";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parse } from "csv-parse";
import type { Context } from "../domain/context.ts";
import { PayloadTooLargeError, TooManyRequestsError, ValidationError } from "../domain/errors.ts";
import { newId } from "../ids.ts";
import type { AttributeRow, ImportRow, ImportRowError, ParticipantRow } from "../store/directory-types.ts";
import { DuplicateIdentifierError } from "../store/errors.ts";
import type { ApplicationRow } from "../store/types.ts";
import { findAttribute, listAttributes } from "./attributes.ts";
import { eventBatch } from "./events.ts";
import { applyParticipantChanges, emptyParticipant, type ParticipantChanges } from "./participant-changes.ts";
import { participantOut } from "./participants.ts";

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

export const BATCH_ROWS = 500;
/** A field longer than this is a row error (attribute values are capped lower still, see attribute-values.ts). */
export const MAX_FIELD_CHARS = 8192;
/** A record larger than this stops the import at that row: the parser cannot skip past it safely. */
export const MAX_RECORD_BYTES = 1024 * 1024;
export const MAX_REPORTED_ERRORS = 1000;
const CONSENT_YES = new Set(["true", "yes", "y", "1", "given"]);

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
  const parser = fs.createReadStream(file).pipe(
    parse({
      bom: true,
      delimiter,
      columns: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
      // A record is held in memory whole while parsed: bound it so one giant field cannot take the process.
      max_record_size: MAX_RECORD_BYTES,
    }),
  );

  let mapping: ReturnType<typeof mapColumns> | null = null;
  let rowNumber = 0;
  let batch: Array<{ row: number; record: Record<string, string> }> = [];
  const alreadyDone = job.rowsRead;
  const flush = async () => {
    if (mapping && batch.length > 0)
      job = await importBatch(ctx, app, job, batch, mapping.attributeColumns, definitions, issuers);
    batch = [];
  };
  try {
    for await (const record of parser as AsyncIterable<Record<string, string>>) {
      if (!mapping) {
        mapping = mapColumns(Object.keys(record), options, definitions);
        if (mapping.problems.length > 0) return finish("failed", mapping.problems.join("; "));
      }
      rowNumber++;
      if (rowNumber <= alreadyDone) continue;
      batch.push({ row: rowNumber, record });
      if (batch.length >= BATCH_ROWS) {
        await flush();
        // Left "running" with its committed rows counted: resumeUnfinished continues after them.
        if (stop.aborted) {
          parser.destroy();
          return;
        }
      }
    }
    await flush();
  } catch (error) {
    await flush().catch(() => undefined);
    return finish("failed", `CSV could not be read after row ${job.rowsRead}: ${(error as Error).message}`);
  }
  return finish("completed", mapping ? null : "the file has no data rows");
}

/** One transaction per batch: participants, their identifiers and their events. */
async function importBatch(
  ctx: Context,
  app: ApplicationRow,
  job: ImportRow,
  batch: Array<{ row: number; record: Record<string, string> }>,
  attributeColumns: Array<[string, AttributeRow]>,
  definitions: AttributeRow[],
  issuers: string[],
): Promise<ImportRow> {
  const options = job.options as unknown as ImportOptions;
  const now = ctx.now();
  const errors: ImportRowError[] = [];
  const pending = new Map<string, { row: ParticipantRow; isNew: boolean }>();
  const events = await eventBatch(ctx, app);
  let created = 0;
  let updated = 0;
  let unchanged = 0;
  const columnOf = new Map(attributeColumns.map(([column, definition]) => [definition.id, column]));
  // One lookup for the whole batch instead of one per row.
  const existingByExternalId = await ctx.store.findParticipantsByIdentifiers(
    app.id,
    options.issuer,
    batch.map(({ record }) => record[options.idColumn] ?? "").filter(Boolean),
  );

  for (const { row: rowNumber, record } of batch) {
    const oversized = Object.entries(record).find(
      ([, cell]) => typeof cell === "string" && cell.length > MAX_FIELD_CHARS,
    );
    if (oversized) {
      errors.push({
        row: rowNumber,
        column: oversized[0],
        message: `the field is longer than ${MAX_FIELD_CHARS} characters`,
      });
      continue;
    }
    const externalId = record[options.idColumn] ?? "";
    if (externalId === "") {
      errors.push({ row: rowNumber, column: options.idColumn, message: "the external identifier is empty" });
      continue;
    }
    const known = pending.get(externalId);
    const existing = known?.row ?? existingByExternalId.get(externalId) ?? null;
    if (existing && options.mode === "create-only" && !known?.isNew) {
      errors.push({
        row: rowNumber,
        column: options.idColumn,
        message: "a participant with this identifier already exists",
      });
      continue;
    }
    const changes: ParticipantChanges = { attributes: {} };
    for (const [column, definition] of attributeColumns) {
      const cell = record[column];
      if (cell !== undefined && cell !== "") changes.attributes![definition.id] = cell;
    }
    if (!existing) changes.externalIdentifiers = [{ issuer: options.issuer, id: externalId }];
    if (options.tagsColumn && record[options.tagsColumn]) {
      changes.addTags = record[options.tagsColumn]!.split(options.tagSeparator ?? "|")
        .map((tag) => tag.trim())
        .filter(Boolean);
    }
    if (
      options.consentColumn &&
      record[options.consentColumn] !== undefined &&
      record[options.consentColumn] !== ""
    ) {
      changes.consent = {
        given: CONSENT_YES.has(record[options.consentColumn]!.toLowerCase()),
        source: "csv-import",
      };
    }
    const base = existing ?? emptyParticipant(newId("prt", now), app.id, now);
    const applied = applyParticipantChanges(base, changes, definitions, issuers, now, []);
    if (applied.issues.length > 0) {
      for (const issue of applied.issues) {
        const attributeKey = issue.loc[0] === "attributes" ? issue.loc[1] : undefined;
        errors.push({
          row: rowNumber,
          column: attributeKey ? (columnOf.get(attributeKey) ?? attributeKey) : null,
          message: issue.msg,
        });
      }
      continue;
    }
    const isNew = !existing || known?.isNew === true;
    pending.set(externalId, { row: applied.row, isNew });
    const participant = participantOut(applied.row, definitions);
    if (!existing) {
      created++;
      events.add("participant.created", { participant });
    } else if (applied.changed.length > 0) {
      if (!known?.isNew) updated++;
      const profile = applied.changed.filter((field) => field !== "tags");
      if (profile.length > 0) events.add("participant.profile_updated", { participant, changed: profile });
      if (applied.addedTags.length > 0)
        events.add("participant.tags_added", { participant, tags: applied.addedTags });
    } else unchanged++;
  }

  try {
    await ctx.store.saveParticipants(
      [...pending.values()].map((entry) => entry.row),
      events.messages,
    );
  } catch (error) {
    if (!(error instanceof DuplicateIdentifierError)) throw error;
    // Another writer took an identifier meanwhile: report the batch's rows rather than guess.
    for (const { row } of batch) errors.push({ row, column: options.idColumn, message: error.message });
    created = 0;
    updated = 0;
    unchanged = 0;
  }
  if (events.messages.some((message) => message.deliveries.length > 0)) ctx.notifyWork();
  const next: ImportRow = {
    ...job,
    rowsRead: job.rowsRead + batch.length,
    created: job.created + created,
    updated: job.updated + updated,
    unchanged: job.unchanged + unchanged,
    failed: job.failed + new Set(errors.map((error) => error.row)).size,
    errors: [...job.errors, ...errors].slice(0, MAX_REPORTED_ERRORS),
    updatedAt: ctx.now(),
  };
  await ctx.store.updateImport(next);
  return next;
}
