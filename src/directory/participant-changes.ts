import type { FieldIssue } from "../domain/errors.ts";
import type { AttributeRow, ExternalIdentifier, ParticipantRow } from "../store/directory-types.ts";
import { type AttributeValue, coerceAttributeValue } from "./attribute-values.ts";
import { findAttribute } from "./attributes.ts";

/** What an API call or a CSV row asks to change. `attributes` keys are attribute ids or labels; null removes. */
export interface ParticipantChanges {
  externalIdentifiers?: ExternalIdentifier[];
  attributes?: Record<string, unknown>;
  /** Replaces the tag list. */
  tags?: string[];
  /** Adds to the tag list. */
  addTags?: string[];
  consent?: { given: boolean; at?: number | null; source?: string | null };
}

export interface AppliedChanges {
  row: ParticipantRow;
  /** Field names that changed, e.g. `attributes.FirstName`, `tags`, `consent` (for participant.profile_updated). */
  changed: string[];
  addedTags: string[];
  issues: FieldIssue[];
}

/**
 * Pure: applies changes to a participant (or a new one), validating identifiers against the known issuers and
 * values against their attribute definitions. Issues carry locations under `where` (e.g. ["body"]).
 */
export function applyParticipantChanges(
  base: ParticipantRow,
  changes: ParticipantChanges,
  definitions: AttributeRow[],
  issuers: string[],
  now: number,
  where: string[] = ["body"],
): AppliedChanges {
  const issues: FieldIssue[] = [];
  const changed: string[] = [];
  const row: ParticipantRow = { ...base, attributes: { ...base.attributes }, tags: [...base.tags] };

  const identifiers = changes.externalIdentifiers;
  if (identifiers) {
    // Duplicates need two identifiers (a CSV row has one): the set is made only then.
    const seen = identifiers.length > 1 ? new Set<string>() : null;
    identifiers.forEach((identifier, index) => {
      if (!issuers.includes(identifier.issuer)) {
        issues.push({
          loc: [...where, "externalIdentifiers", String(index), "issuer"],
          msg: `unknown issuer "${identifier.issuer}"; create it first`,
          type: "value_error",
        });
      }
      if (!seen) return;
      const key = `${identifier.issuer}\u0000${identifier.id}`;
      if (seen.has(key)) {
        issues.push({
          loc: [...where, "externalIdentifiers", String(index)],
          msg: "duplicate identifier",
          type: "value_error",
        });
      }
      seen.add(key);
    });
    if (!sameIdentifiers(identifiers, base.externalIdentifiers)) changed.push("externalIdentifiers");
    row.externalIdentifiers = sortIdentifiers(identifiers);
  }

  const attributes = changes.attributes;
  // for…in over own keys rather than Object.entries: no [key, value] pair per attribute (CSV imports apply millions).
  for (const key in attributes) {
    if (!Object.hasOwn(attributes, key)) continue;
    const input = attributes[key];
    const definition = findAttribute(definitions, key);
    if (!definition) {
      issues.push({
        loc: [...where, "attributes", key],
        msg: `unknown attribute "${key}"`,
        type: "value_error",
      });
      continue;
    }
    if (input === null) {
      if (definition.id in row.attributes) {
        delete row.attributes[definition.id];
        changed.push(`attributes.${definition.label}`);
      }
      continue;
    }
    const coerced = coerceAttributeValue(definition, input);
    if (!coerced.ok) {
      issues.push({ loc: [...where, "attributes", key], msg: coerced.message, type: "value_error" });
      continue;
    }
    if (row.attributes[definition.id] !== coerced.value) {
      row.attributes[definition.id] = coerced.value as AttributeValue;
      changed.push(`attributes.${definition.label}`);
    }
  }

  if (changes.tags) row.tags = [...new Set(changes.tags)];
  for (const tag of changes.addTags ?? []) if (!row.tags.includes(tag)) row.tags.push(tag);
  const addedTags = addedTo(base.tags, row.tags);
  if (row.tags.length !== base.tags.length || addedTags.length > 0) changed.push("tags");

  if (changes.consent) {
    const consent = {
      given: changes.consent.given,
      at: changes.consent.at ?? (changes.consent.given ? now : null),
      source: changes.consent.source ?? null,
    };
    if (consent.given !== base.consent.given || consent.source !== base.consent.source)
      changed.push("consent");
    row.consent = consent;
  }

  if (changed.length > 0) row.updatedAt = now;
  return { row, changed, addedTags, issues };
}

/** Whether two identifier lists hold the same identifiers, in any order (as their sorted JSON texts compare). */
function sameIdentifiers(a: ExternalIdentifier[], b: ExternalIdentifier[]): boolean {
  // Lists of different lengths never have the same JSON text, and two empty lists always do.
  if (a.length !== b.length) return false;
  if (a.length === 0) return true;
  return JSON.stringify(sortIdentifiers(a)) === JSON.stringify(sortIdentifiers(b));
}

/** The tags of `after` that are not in `before`, in order. */
function addedTo(before: string[], after: string[]): string[] {
  if (before.length === 0) return [...after];
  const had = new Set(before);
  return after.filter((tag) => !had.has(tag));
}

function sortIdentifiers(list: ExternalIdentifier[]): ExternalIdentifier[] {
  return [...list].sort((a, b) => a.issuer.localeCompare(b.issuer) || a.id.localeCompare(b.id));
}

export function emptyParticipant(id: string, appId: string, now: number): ParticipantRow {
  return {
    id,
    appId,
    attributes: {},
    tags: [],
    consent: { given: false, at: null, source: null },
    unsubscribedAt: null,
    externalIdentifiers: [],
    createdAt: now,
    updatedAt: now,
  };
}
