import type { Context } from "../domain/context.ts";
import { ConflictError, NotFoundError, ValidationError } from "../domain/errors.ts";
import { newId } from "../ids.ts";
import type { AttributeRow, ParticipantRow } from "../store/directory-types.ts";
import { DuplicateIdentifierError } from "../store/errors.ts";
import type { ApplicationRow } from "../store/types.ts";
import { findAttribute, listAttributes } from "./attributes.ts";
import { eventBatch } from "./events.ts";
import { applyParticipantChanges, emptyParticipant, type ParticipantChanges } from "./participant-changes.ts";

// A batch of participants shares one timestamp: remember the last one formatted (CSV imports format millions).
let lastMs = Number.NaN;
let lastIso = "";
function iso(ms: number | null): string | null {
  if (ms === null) return null;
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastIso;
}

/** The participant as the API and the participant.* events show it: attributes keyed by label. */
export function participantOut(row: ParticipantRow, definitions: AttributeRow[]) {
  const attributes: Record<string, unknown> = {};
  // for…in over own keys rather than Object.entries: no [id, value] pair per attribute (one per imported row).
  for (const id in row.attributes) {
    if (Object.hasOwn(row.attributes, id))
      attributes[findAttribute(definitions, id)?.label ?? id] = row.attributes[id];
  }
  return {
    id: row.id,
    externalIdentifiers: row.externalIdentifiers.map(({ id, issuer }) => ({ id, issuer })),
    attributes,
    tags: row.tags,
    consent: { given: row.consent.given, at: iso(row.consent.at), source: row.consent.source },
    unsubscribedAt: iso(row.unsubscribedAt),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

export async function requireParticipant(ctx: Context, appId: string, id: string): Promise<ParticipantRow> {
  const row = await ctx.store.getParticipant(appId, id);
  if (!row) throw new NotFoundError("Participant");
  return row;
}

async function directoryContext(ctx: Context, appId: string) {
  const definitions = await listAttributes(ctx, appId);
  const issuers = (await ctx.store.listIssuers(appId)).map((issuer) => issuer.id);
  return { definitions, issuers };
}

async function save(ctx: Context, row: ParticipantRow, events: Awaited<ReturnType<typeof eventBatch>>) {
  try {
    await ctx.store.saveParticipants([row], events.messages);
  } catch (error) {
    if (error instanceof DuplicateIdentifierError) {
      throw new ConflictError(
        `External identifier ${error.issuer}:${error.externalId} belongs to another participant`,
      );
    }
    throw error;
  }
  if (events.messages.some((m) => m.deliveries.length > 0)) ctx.notifyWork();
  return row;
}

export async function createParticipant(
  ctx: Context,
  app: ApplicationRow,
  changes: ParticipantChanges,
): Promise<{ row: ParticipantRow; definitions: AttributeRow[] }> {
  const { definitions, issuers } = await directoryContext(ctx, app.id);
  const now = ctx.now();
  const applied = applyParticipantChanges(
    emptyParticipant(newId("prt", now), app.id, now),
    changes,
    definitions,
    issuers,
    now,
  );
  if (applied.issues.length > 0) throw new ValidationError(applied.issues);
  const events = await eventBatch(ctx, app);
  events.add("participant.created", { participant: participantOut(applied.row, definitions) });
  return { row: await save(ctx, applied.row, events), definitions };
}

export async function updateParticipant(
  ctx: Context,
  app: ApplicationRow,
  existing: ParticipantRow,
  changes: ParticipantChanges,
): Promise<{ row: ParticipantRow; definitions: AttributeRow[] }> {
  const { definitions, issuers } = await directoryContext(ctx, app.id);
  const applied = applyParticipantChanges(existing, changes, definitions, issuers, ctx.now());
  if (applied.issues.length > 0) throw new ValidationError(applied.issues);
  const events = await eventBatch(ctx, app);
  const participant = participantOut(applied.row, definitions);
  const profileChanges = applied.changed.filter((field) => field !== "tags");
  if (profileChanges.length > 0)
    events.add("participant.profile_updated", { participant, changed: profileChanges });
  if (applied.addedTags.length > 0)
    events.add("participant.tags_added", { participant, tags: applied.addedTags });
  return { row: await save(ctx, applied.row, events), definitions };
}

/** Opts the participant out of distributions and emits participant.unsubscribed (once). */
export async function unsubscribeParticipant(
  ctx: Context,
  app: ApplicationRow,
  existing: ParticipantRow,
): Promise<ParticipantRow> {
  if (existing.unsubscribedAt !== null) return existing;
  const now = ctx.now();
  const row = { ...existing, unsubscribedAt: now, updatedAt: now };
  const definitions = await listAttributes(ctx, app.id);
  const events = await eventBatch(ctx, app);
  events.add("participant.unsubscribed", {
    participant: participantOut(row, definitions),
    unsubscribedAt: iso(now),
  });
  return save(ctx, row, events);
}
