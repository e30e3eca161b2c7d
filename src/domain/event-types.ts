import type { EventTypeRow } from "../store/types.ts";
import type { Context } from "./context.ts";
import { ConflictError, NotFoundError } from "./errors.ts";
import { assertEventTypeQuota } from "./quotas.ts";

export interface EventTypeInput {
  description: string;
  archived?: boolean;
  deprecated?: boolean;
  schemas?: Record<string, unknown> | null;
  featureFlag?: string | null;
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
    featureFlag: input.featureFlag ?? null,
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
  // Re-creating an archived type un-archives it, as on Svix.
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
    featureFlag: changes.featureFlag === undefined ? existing.featureFlag : changes.featureFlag,
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

/** The event type's first schema example if it has one, else a small generic payload (send-example, preview). */
export async function examplePayload(ctx: Context, eventType: string): Promise<Record<string, unknown>> {
  const row = await ctx.store.getEventType(eventType);
  for (const schema of Object.values(row?.schemas ?? {})) {
    const examples = (schema as { examples?: unknown[] } | null)?.examples;
    const first = Array.isArray(examples) ? examples[0] : undefined;
    if (first && typeof first === "object" && !Array.isArray(first)) return first as Record<string, unknown>;
  }
  return { type: eventType, example: true, data: { message: "This is an example event sent by Outbound" } };
}
