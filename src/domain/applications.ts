import { newId } from "../ids.ts";
import type { ApplicationRow } from "../store/types.ts";
import type { Context } from "./context.ts";
import { ConflictError, NotFoundError } from "./errors.ts";
import { isOperationalApp, OPERATIONAL_APP_ID } from "./operational-events.ts";

export interface ApplicationInput {
  name: string;
  uid?: string | null;
  metadata?: Record<string, string>;
  throttleRate?: number | null;
  requireHttps?: boolean;
}

/** An application by id or uid, as the application API sees them: the internal operational one is not there. */
export async function findApplication(ctx: Context, idOrUid: string): Promise<ApplicationRow | null> {
  const app = await ctx.store.getApplication(idOrUid);
  return app && !isOperationalApp(app.id) ? app : null;
}

export async function requireApplication(ctx: Context, idOrUid: string): Promise<ApplicationRow> {
  const app = await findApplication(ctx, idOrUid);
  if (!app) throw new NotFoundError("Application");
  return app;
}

/** The operational-events application's uid is Outbound's; uniqueness among the others is the database's to decide. */
function assertUidAllowed(uid: string | null | undefined): void {
  if (uid === OPERATIONAL_APP_ID) throw new ConflictError("This uid is reserved by Outbound");
}

export async function createApplication(ctx: Context, input: ApplicationInput): Promise<ApplicationRow> {
  // The uid's uniqueness is the database's to decide (a concurrent duplicate is a DuplicateKeyError, i.e. 409).
  assertUidAllowed(input.uid);
  const now = ctx.now();
  const row: ApplicationRow = {
    id: newId("app", now),
    uid: input.uid ?? null,
    name: input.name,
    metadata: input.metadata ?? {},
    throttleRate: input.throttleRate ?? null,
    requireHttps: input.requireHttps ?? false,
    createdAt: now,
    updatedAt: now,
  };
  await ctx.store.insertApplication(row);
  return row;
}

/** PUT semantics: replace, or create with the path key as uid when missing. Returns whether it was created. */
export async function upsertApplication(
  ctx: Context,
  idOrUid: string,
  input: ApplicationInput,
): Promise<{ app: ApplicationRow; created: boolean }> {
  const existing = await findApplication(ctx, idOrUid);
  if (!existing) {
    const app = await createApplication(ctx, { ...input, uid: input.uid ?? idOrUid });
    return { app, created: true };
  }
  return { app: await saveApplication(ctx, existing, input), created: false };
}

export async function saveApplication(
  ctx: Context,
  existing: ApplicationRow,
  changes: Partial<ApplicationInput>,
): Promise<ApplicationRow> {
  if (changes.uid !== undefined) assertUidAllowed(changes.uid);
  const row: ApplicationRow = {
    ...existing,
    name: changes.name ?? existing.name,
    uid: changes.uid === undefined ? existing.uid : changes.uid,
    metadata: changes.metadata ?? existing.metadata,
    throttleRate: changes.throttleRate === undefined ? existing.throttleRate : changes.throttleRate,
    requireHttps: changes.requireHttps ?? existing.requireHttps,
    updatedAt: ctx.now(),
  };
  await ctx.store.updateApplication(row);
  return row;
}
