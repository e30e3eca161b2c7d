import type { EventTypeRow } from "../store/types.ts";
import type { Context } from "./context.ts";
import { ConflictError, NotFoundError, ValidationError } from "./errors.ts";
import type { EventTypeFromOpenApi } from "./openapi-event-types.ts";
import { assertEventTypeQuota } from "./quotas.ts";

export interface EventTypeInput {
  description: string;
  archived?: boolean;
  deprecated?: boolean;
  schemas?: Record<string, unknown> | null;
  featureFlags?: string[] | null;
  groupName?: string | null;
}

/** Svix: an event type with feature flags is hidden from portal tokens that carry none of them. */
export function eventTypeVisible(row: EventTypeRow, tokenFlags: readonly string[] | null): boolean {
  if (tokenFlags === null || row.featureFlags === null) return true;
  return row.featureFlags.some((flag) => tokenFlags.includes(flag));
}

/** Folds the open-source API's single `featureFlag` into `featureFlags` (the list wins when both are sent). */
export function withFeatureFlags<T extends { featureFlag?: string | null; featureFlags?: string[] | null }>(
  input: T,
): Omit<T, "featureFlag"> {
  const { featureFlag, ...rest } = input;
  if (rest.featureFlags !== undefined || featureFlag === undefined) return rest;
  return { ...rest, featureFlags: featureFlag === null ? null : [featureFlag] };
}

export async function requireEventType(ctx: Context, name: string): Promise<EventTypeRow> {
  const row = await ctx.store.getEventType(name);
  if (!row) throw new NotFoundError("Event type");
  return row;
}

export async function createEventType(
  ctx: Context,
  name: string,
  input: EventTypeInput,
  /** Outbound's own event types (directory, operational) are created at start-up and do not count against the quota. */
  system = false,
): Promise<EventTypeRow> {
  const existing = await ctx.store.getEventType(name);
  if (existing && !existing.archived) throw new ConflictError("An event type with this name already exists");
  if (!existing && !system) await assertEventTypeQuota(ctx);
  const now = ctx.now();
  const row: EventTypeRow = {
    name,
    description: input.description,
    archived: input.archived ?? false,
    deprecated: input.deprecated ?? false,
    schemas: input.schemas ?? null,
    featureFlags: input.featureFlags && input.featureFlags.length > 0 ? input.featureFlags : null,
    groupName: input.groupName ?? null,
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
  // Re-creating an archived type un-archives it, as on Svix. A concurrent create of the same name fails on the
  // primary key (DuplicateKeyError, i.e. 409).
  if (existing) await ctx.store.updateEventType(row);
  else await ctx.store.insertEventType(row);
  return row;
}

export async function saveEventType(
  ctx: Context,
  existing: EventTypeRow,
  changes: Partial<EventTypeInput>,
): Promise<EventTypeRow> {
  const row: EventTypeRow = {
    ...existing,
    description: changes.description ?? existing.description,
    archived: changes.archived ?? existing.archived,
    deprecated: changes.deprecated ?? existing.deprecated,
    schemas: changes.schemas === undefined ? existing.schemas : changes.schemas,
    featureFlags:
      changes.featureFlags === undefined
        ? existing.featureFlags
        : changes.featureFlags && changes.featureFlags.length > 0
          ? changes.featureFlags
          : null,
    groupName: changes.groupName === undefined ? existing.groupName : changes.groupName,
    updatedAt: ctx.now(),
  };
  await ctx.store.updateEventType(row);
  return row;
}

/** Svix archives on delete unless `expunge` is set. */
export async function deleteEventType(ctx: Context, name: string, expunge: boolean): Promise<void> {
  const existing = await requireEventType(ctx, name);
  if (expunge) await ctx.store.deleteEventType(name);
  else await saveEventType(ctx, existing, { archived: true });
}

/**
 * The event type's example number `index` (first schema with examples), else a small generic payload: what
 * send-example sends and what the request preview shows by default.
 */
export async function examplePayload(
  ctx: Context,
  eventType: string,
  index = 0,
): Promise<Record<string, unknown>> {
  const row = await ctx.store.getEventType(eventType);
  for (const schema of Object.values(row?.schemas ?? {})) {
    const examples = (schema as { examples?: unknown[] } | null)?.examples;
    if (!Array.isArray(examples) || examples.length === 0) continue;
    const chosen = examples[index];
    if (chosen === undefined) {
      throw ValidationError.field(
        ["body", "exampleIndex"],
        `the event type has ${examples.length} example(s)`,
      );
    }
    if (chosen && typeof chosen === "object" && !Array.isArray(chosen))
      return chosen as Record<string, unknown>;
  }
  return { type: eventType, example: true, data: { message: "This is an example event sent by Outbound" } };
}

/**
 * Creates or updates (and un-archives) the event types of an OpenAPI document; with `replaceAll`, archives the
 * others. With `dryRun` nothing is written. Returns the names that are (or would be) changed.
 */
export async function importEventTypes(
  ctx: Context,
  found: EventTypeFromOpenApi[],
  options: { dryRun: boolean; replaceAll: boolean },
): Promise<string[]> {
  const modified = found.map((type) => type.name);
  const toArchive: EventTypeRow[] = [];
  if (options.replaceAll) {
    const keep = new Set(modified);
    for await (const row of allEventTypes(ctx)) if (!keep.has(row.name) && !row.archived) toArchive.push(row);
  }
  if (options.dryRun) return [...modified, ...toArchive.map((row) => row.name)];
  for (const type of found) {
    const { name, ...input } = type;
    const existing = await ctx.store.getEventType(name);
    if (existing) await saveEventType(ctx, existing, { ...input, archived: false });
    else await createEventType(ctx, name, input);
  }
  for (const row of toArchive) await saveEventType(ctx, row, { archived: true });
  return [...modified, ...toArchive.map((row) => row.name)];
}

/** Every event type, archived included, page by page. */
export async function* allEventTypes(ctx: Context): AsyncGenerator<EventTypeRow> {
  let cursor: string | null = null;
  for (;;) {
    const page = await ctx.store.listEventTypes(
      { limit: 250, cursor, direction: "next", order: "asc" },
      true,
    );
    yield* page.items;
    const last = page.items.at(-1);
    if (page.done || !last) return;
    cursor = last.name;
  }
}
