import type { Context } from "../domain/context.ts";
import { newId } from "../ids.ts";
import type { AttributeRow, ImportRow, ImportRowError, ParticipantRow } from "../store/directory-types.ts";
import { DuplicateIdentifierError } from "../store/errors.ts";
import type { ApplicationRow } from "../store/types.ts";
import { eventBatch } from "./events.ts";
import { applyParticipantChanges, emptyParticipant, type ParticipantChanges } from "./participant-changes.ts";
import { participantOut } from "./participants.ts";

/**
 * Rows per transaction (and per progress update). Small on purpose: a batch's rows and events live until its commit,
 * and with `npm start`'s 4 MB semi-spaces anything alive across two scavenges is promoted; 500-row batches grew the
 * old space to 4× its live set (about 145 MB) and the server past 300 MB RSS, 100-row batches peak near 100 MB
 * for the same CPU time (docs/benchmarks.md).
 */
export const BATCH_ROWS = 100;
/** A field longer than this is a row error (attribute values are capped lower still, see attribute-values.ts). */
export const MAX_FIELD_CHARS = 8192;
/** A record larger than this (bytes, without its line break) is a row error; the import goes on after it. */
export const MAX_RECORD_BYTES = 1024 * 1024;
export const MAX_REPORTED_ERRORS = 1000;
const CONSENT_YES = new Set(["true", "yes", "y", "1", "given"]);

/** One data record: its fields, or null when it was over MAX_RECORD_BYTES and skipped unread. */
export interface BatchRow {
  row: number;
  fields: string[] | null;
}

/** Where each column the import reads sits in a record (resolved once per file from the header). */
export interface ColumnLayout {
  header: string[];
  idIndex: number;
  consentIndex: number | undefined;
  tagsIndex: number | undefined;
  tagSeparator: string;
  attributes: Array<{ index: number; column: string; definition: AttributeRow }>;
  mode: "upsert" | "create-only";
  issuer: string;
  idColumn: string;
}

/** The checks before a row's values are applied: an oversized record or field, an empty identifier. */
function rowProblem(layout: ColumnLayout, row: number, fields: string[] | null): ImportRowError | null {
  if (fields === null)
    return { row, column: null, message: `the record is larger than ${MAX_RECORD_BYTES} bytes` };
  const count = Math.min(fields.length, layout.header.length);
  for (let i = 0; i < count; i++) {
    if ((fields[i] as string).length > MAX_FIELD_CHARS)
      return {
        row,
        column: layout.header[i] ?? null,
        message: `the field is longer than ${MAX_FIELD_CHARS} characters`,
      };
  }
  if ((fields[layout.idIndex] ?? "") === "")
    return { row, column: layout.idColumn, message: "the external identifier is empty" };
  return null;
}

function rowChanges(layout: ColumnLayout, fields: string[], isNew: boolean): ParticipantChanges {
  const attributes: Record<string, unknown> = {};
  for (const { index, definition } of layout.attributes) {
    const cell = fields[index];
    if (cell !== undefined && cell !== "") attributes[definition.id] = cell;
  }
  const changes: ParticipantChanges = { attributes };
  if (isNew) changes.externalIdentifiers = [{ issuer: layout.issuer, id: fields[layout.idIndex] as string }];
  const tags = layout.tagsIndex === undefined ? undefined : fields[layout.tagsIndex];
  if (tags) {
    const addTags: string[] = [];
    for (const part of tags.split(layout.tagSeparator)) {
      const tag = part.trim();
      if (tag) addTags.push(tag);
    }
    changes.addTags = addTags;
  }
  const consent = layout.consentIndex === undefined ? undefined : fields[layout.consentIndex];
  if (consent !== undefined && consent !== "") {
    changes.consent = { given: CONSENT_YES.has(consent.toLowerCase()), source: "csv-import" };
  }
  return changes;
}

/** One transaction per batch: participants that are new or changed, their identifiers and their events. */
export async function importBatch(
  ctx: Context,
  app: ApplicationRow,
  job: ImportRow,
  batch: BatchRow[],
  layout: ColumnLayout,
  definitions: AttributeRow[],
  issuers: string[],
): Promise<ImportRow> {
  const now = ctx.now();
  const errors: ImportRowError[] = [];
  // `dirty`: must be written (new, or changed by some row of this batch); unchanged rows are not rewritten.
  const pending = new Map<string, { row: ParticipantRow; isNew: boolean; dirty: boolean }>();
  const events = await eventBatch(ctx, app);
  let created = 0;
  let updated = 0;
  let unchanged = 0;
  const columnOf = new Map(layout.attributes.map(({ column, definition }) => [definition.id, column]));
  const externalIds: string[] = [];
  for (const { fields } of batch) {
    const id = fields?.[layout.idIndex];
    if (id) externalIds.push(id);
  }
  // One lookup for the whole batch instead of one per row.
  const existingByExternalId = await ctx.store.findParticipantsByIdentifiers(
    app.id,
    layout.issuer,
    externalIds,
  );

  for (const { row: rowNumber, fields } of batch) {
    const problem = rowProblem(layout, rowNumber, fields);
    if (problem || fields === null) {
      if (problem) errors.push(problem);
      continue;
    }
    const externalId = fields[layout.idIndex] as string;
    const known = pending.get(externalId);
    const existing = known?.row ?? existingByExternalId.get(externalId) ?? null;
    if (existing && layout.mode === "create-only" && !known?.isNew) {
      errors.push({
        row: rowNumber,
        column: layout.idColumn,
        message: "a participant with this identifier already exists",
      });
      continue;
    }
    const changes = rowChanges(layout, fields, !existing);
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
    const dirty = isNew || known?.dirty === true || applied.changed.length > 0;
    pending.set(externalId, { row: applied.row, isNew, dirty });
    if (!existing) {
      created++;
      events.add("participant.created", { participant: participantOut(applied.row, definitions) });
    } else if (applied.changed.length > 0) {
      if (!known?.isNew) updated++;
      const participant = participantOut(applied.row, definitions);
      const profile = applied.changed.filter((field) => field !== "tags");
      if (profile.length > 0) events.add("participant.profile_updated", { participant, changed: profile });
      if (applied.addedTags.length > 0)
        events.add("participant.tags_added", { participant, tags: applied.addedTags });
    } else unchanged++;
  }

  const rows: ParticipantRow[] = [];
  for (const entry of pending.values()) if (entry.dirty) rows.push(entry.row);
  let next = progressed(job, batch.length, errors, { created, updated, unchanged }, ctx.now());
  try {
    // The progress in the batch's own transaction: one commit per batch instead of two.
    if (rows.length > 0 || events.messages.length > 0)
      await ctx.store.saveParticipants(rows, events.messages, next);
    else await ctx.store.updateImport(next);
  } catch (error) {
    if (!(error instanceof DuplicateIdentifierError)) throw error;
    // Another writer took an identifier meanwhile: report the batch's rows rather than guess.
    for (const { row } of batch) errors.push({ row, column: layout.idColumn, message: error.message });
    next = progressed(job, batch.length, errors, { created: 0, updated: 0, unchanged: 0 }, ctx.now());
    await ctx.store.updateImport(next);
  }
  if (events.messages.some((message) => message.deliveries.length > 0)) ctx.notifyWork();
  return next;
}

/** The job after a batch of `rows` rows with these errors and counts. */
function progressed(
  job: ImportRow,
  rows: number,
  errors: ImportRowError[],
  counts: { created: number; updated: number; unchanged: number },
  now: number,
): ImportRow {
  const failedRows = new Set<number>();
  for (const error of errors) failedRows.add(error.row);
  return {
    ...job,
    rowsRead: job.rowsRead + rows,
    created: job.created + counts.created,
    updated: job.updated + counts.updated,
    unchanged: job.unchanged + counts.unchanged,
    failed: job.failed + failedRows.size,
    errors:
      job.errors.length >= MAX_REPORTED_ERRORS
        ? job.errors
        : [...job.errors, ...errors].slice(0, MAX_REPORTED_ERRORS),
    updatedAt: now,
  };
}
