import type { Context } from "../domain/context.ts";
import { ConflictError, NotFoundError, ValidationError } from "../domain/errors.ts";
import type { AttributeChoice, AttributeRow, AttributeValueType } from "../store/directory-types.ts";

/** Attributes every directory has from the start (seed 000). */
export const SYSTEM_ATTRIBUTES: Array<Pick<AttributeRow, "id" | "label" | "valueType" | "choices">> = [
  {
    id: "RecontactMethod",
    label: "RecontactMethod",
    valueType: "SingleChoice",
    choices: [
      { value: "Email", label: "Email" },
      { value: "SMS", label: "SMS" },
      { value: "External", label: "External" },
    ],
  },
  { id: "TimeZone", label: "TimeZone", valueType: "String", choices: null },
];

export interface AttributeInput {
  id?: string;
  label: string;
  valueType: AttributeValueType;
  choices?: AttributeChoice[] | null;
}

/** The application's attribute definitions, creating the system ones the first time. */
export async function listAttributes(ctx: Context, appId: string): Promise<AttributeRow[]> {
  const existing = await ctx.store.listAttributes(appId);
  const missing = SYSTEM_ATTRIBUTES.filter((system) => !existing.some((row) => row.id === system.id));
  if (missing.length === 0) return existing;
  const now = ctx.now();
  for (const system of missing) {
    await ctx.store.insertAttribute({
      ...system,
      appId,
      systemDefined: true,
      createdAt: now,
      updatedAt: now,
    });
  }
  return ctx.store.listAttributes(appId);
}

/** By id or label (labels are unique per application). */
export function findAttribute(attributes: AttributeRow[], key: string): AttributeRow | undefined {
  return attributes.find((row) => row.id === key) ?? attributes.find((row) => row.label === key);
}

export async function requireAttribute(ctx: Context, appId: string, key: string): Promise<AttributeRow> {
  const found = findAttribute(await listAttributes(ctx, appId), key);
  if (!found) throw new NotFoundError("Attribute");
  return found;
}

function checkChoices(input: AttributeInput): AttributeChoice[] | null {
  if (input.valueType !== "SingleChoice") {
    if (input.choices && input.choices.length > 0) {
      throw ValidationError.field(["body", "choices"], "only SingleChoice attributes have choices");
    }
    return null;
  }
  const choices = input.choices ?? [];
  if (choices.length === 0)
    throw ValidationError.field(["body", "choices"], "a SingleChoice attribute needs choices");
  const values = new Set(choices.map((choice) => choice.value));
  if (values.size !== choices.length)
    throw ValidationError.field(["body", "choices"], "choice values must be unique");
  return choices;
}

export async function createAttribute(
  ctx: Context,
  appId: string,
  input: AttributeInput,
): Promise<AttributeRow> {
  const attributes = await listAttributes(ctx, appId);
  const id = input.id ?? input.label;
  if (findAttribute(attributes, id) || findAttribute(attributes, input.label)) {
    throw new ConflictError("An attribute with this id or label already exists");
  }
  const now = ctx.now();
  const row: AttributeRow = {
    appId,
    id,
    label: input.label,
    valueType: input.valueType,
    choices: checkChoices(input),
    systemDefined: false,
    createdAt: now,
    updatedAt: now,
  };
  await ctx.store.insertAttribute(row);
  return row;
}

/** Label and choices may change; the id and value type may not (stored values depend on them). */
export async function updateAttribute(
  ctx: Context,
  existing: AttributeRow,
  changes: { label?: string; choices?: AttributeChoice[] | null },
): Promise<AttributeRow> {
  if (existing.systemDefined) throw new ConflictError("System attributes cannot be changed");
  const attributes = await listAttributes(ctx, existing.appId);
  if (changes.label && changes.label !== existing.label && findAttribute(attributes, changes.label)) {
    throw new ConflictError("An attribute with this label already exists");
  }
  const row: AttributeRow = {
    ...existing,
    label: changes.label ?? existing.label,
    choices:
      changes.choices === undefined
        ? existing.choices
        : checkChoices({ label: existing.label, valueType: existing.valueType, choices: changes.choices }),
    updatedAt: ctx.now(),
  };
  await ctx.store.updateAttribute(row);
  return row;
}

export async function deleteAttribute(ctx: Context, existing: AttributeRow): Promise<void> {
  if (existing.systemDefined) throw new ConflictError("System attributes cannot be deleted");
  await ctx.store.deleteAttribute(existing.appId, existing.id);
}
