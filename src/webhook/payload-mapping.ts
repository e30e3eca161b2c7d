/** A problem in a user's option object; `path` locates it so the API can answer 422 naming the field. */
export interface ValidationIssue {
  path: string[];
  message: string;
}

/** One output key: copied from a payload path (`from`) or a static literal (`value`), never both. */
export interface MappingField {
  to: string;
  from?: string;
  value?: unknown;
}

export interface PayloadMapping {
  fields: MappingField[];
  /** "mapped-only" (default) sends just the fields; "all" appends the untouched top-level payload keys. */
  include?: "mapped-only" | "all";
}

export const MAX_FIELDS = 200;
export const MAX_KEY_LENGTH = 256;
const MAX_PATH_LENGTH = 1024;
const MAX_PATH_SEGMENTS = 64;
const MAX_VALUE_DEPTH = 32;

/** Keys that reach Object.prototype through ordinary property access; never valid in user configuration. */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);
const INDEX = /^(?:0|[1-9]\d*)$/;
/** One dot-separated part: an optional name, then any number of `[n]` indexes. */
const PART = /^([^.[\]]*)((?:\[(?:0|[1-9]\d*)\])*)$/;
const FIELD_KEYS = new Set(["to", "from", "value"]);
const MAPPING_KEYS = new Set(["fields", "include"]);

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Splits `user.email`, `$.data.messages[0].text` or `items.1.id` into segments; null when the syntax is invalid
 * or a segment could touch a prototype. `[0]` and `.0` are the same segment, resolved against the value's type.
 */
export function parsePath(path: string): string[] | null {
  if (typeof path !== "string") return null;
  const body = path.startsWith("$.") ? path.slice(2) : path;
  if (body === "" || body.length > MAX_PATH_LENGTH) return null;
  const segments: string[] = [];
  for (const part of body.split(".")) {
    const match = PART.exec(part);
    if (!match) return null;
    const name = match[1] ?? "";
    const indexes = match[2] ?? "";
    // Only the very first part may be a bare index (`[0].id` on an array root); `a.[0]` and `a..b` are typos.
    if (name === "" && (indexes === "" || segments.length > 0)) return null;
    if (name !== "") segments.push(name);
    for (const index of indexes.matchAll(/\[(\d+)\]/g)) segments.push(index[1] ?? "");
  }
  // A bare `$` (or `$[0]`) looks like JSONPath's root, which a mapping cannot copy; reject rather than guess.
  if (segments[0] === "$") return null;
  if (segments.length > MAX_PATH_SEGMENTS || segments.some((segment) => FORBIDDEN_KEYS.has(segment)))
    return null;
  return segments;
}

/** The value at parsed segments; own properties only, so inherited members are never "found". */
export function readSegments(value: unknown, segments: readonly string[]): unknown {
  let current = value;
  for (const segment of segments) {
    if (Array.isArray(current)) {
      if (!INDEX.test(segment)) return undefined;
      current = current[Number(segment)];
    } else if (isPlainObject(current)) {
      if (!Object.hasOwn(current, segment)) return undefined;
      current = current[segment];
    } else {
      return undefined;
    }
  }
  return current;
}

/** The value at a dotted path, or undefined when it is missing (an invalid path also reads as missing). */
export function readPath(value: unknown, path: string): unknown {
  const segments = parsePath(path);
  return segments === null ? undefined : readSegments(value, segments);
}

/** null if `value` is plain JSON (finite numbers, no prototype keys, bounded depth); else why not. */
export function jsonValueProblem(value: unknown, depth = 0): string | null {
  if (depth > MAX_VALUE_DEPTH) return `must nest at most ${MAX_VALUE_DEPTH} levels`;
  if (value === null || typeof value === "string" || typeof value === "boolean") return null;
  if (typeof value === "number") return Number.isFinite(value) ? null : "must be a finite number";
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = jsonValueProblem(item, depth + 1);
      if (problem) return problem;
    }
    return null;
  }
  if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (FORBIDDEN_KEYS.has(key)) return `must not contain the key "${key}"`;
      const problem = jsonValueProblem(item, depth + 1);
      if (problem) return problem;
    }
    return null;
  }
  return "must be a JSON value (string, number, boolean, null, object or array)";
}

export function validateMapping(mapping: unknown): ValidationIssue[] {
  if (!isPlainObject(mapping)) return [{ path: [], message: "must be an object with a fields array" }];
  const issues: ValidationIssue[] = [];
  for (const key of Object.keys(mapping)) {
    if (!MAPPING_KEYS.has(key)) issues.push({ path: [key], message: "unknown property" });
  }
  const { fields, include } = mapping;
  if (include !== undefined && include !== "mapped-only" && include !== "all") {
    issues.push({ path: ["include"], message: 'must be "mapped-only" or "all"' });
  }
  if (!Array.isArray(fields) || fields.length < 1 || fields.length > MAX_FIELDS) {
    issues.push({ path: ["fields"], message: `must be an array of 1-${MAX_FIELDS} fields` });
    return issues;
  }
  const seen = new Set<string>();
  fields.forEach((field: unknown, i) => {
    const at = ["fields", String(i)];
    if (!isPlainObject(field)) {
      issues.push({ path: at, message: "must be an object with to and from or value" });
      return;
    }
    for (const key of Object.keys(field)) {
      if (!FIELD_KEYS.has(key)) issues.push({ path: [...at, key], message: "unknown property" });
    }
    const { to, from, value } = field;
    if (typeof to !== "string" || to === "" || to.length > MAX_KEY_LENGTH) {
      issues.push({
        path: [...at, "to"],
        message: `must be a non-empty string of at most ${MAX_KEY_LENGTH} characters`,
      });
    } else if (FORBIDDEN_KEYS.has(to)) {
      issues.push({ path: [...at, "to"], message: `"${to}" is not allowed as an output key` });
    } else if (seen.has(to)) {
      issues.push({ path: [...at, "to"], message: `duplicate output key "${to}"` });
    } else {
      seen.add(to);
    }
    // JSON cannot carry undefined, so an undefined property counts as absent.
    if ((from === undefined) === (value === undefined)) {
      issues.push({ path: at, message: "must have exactly one of from or value" });
    }
    if (from !== undefined && (typeof from !== "string" || parsePath(from) === null)) {
      issues.push({
        path: [...at, "from"],
        message: "must be a dotted path such as user.email or items[0].id",
      });
    }
    if (value !== undefined) {
      const problem = jsonValueProblem(value);
      if (problem) issues.push({ path: [...at, "value"], message: problem });
    }
  });
  return issues;
}

/** Defines an own data property, so even a `__proto__` key from JSON.parse stays data and never sets a prototype. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Reshapes a payload; expects a mapping that passed validateMapping. Keys come out in `fields` order.
 * A `from` path missing from the payload is OMITTED (not sent as null), so receivers can tell "absent" from
 * "null". Static values are cloned so one delivery can never alter the stored mapping or another delivery.
 * With include "all", the remaining top-level payload keys follow in payload order, except keys that some
 * field outputs (`to`, even when its source was missing: a configured name never carries unrelated data)
 * and keys a `from` path starts with (a renamed source is not sent twice).
 */
export function applyMapping(
  payload: Record<string, unknown>,
  mapping: PayloadMapping,
): Record<string, unknown> {
  const output: Record<string, unknown> = {};
  const reserved = new Set<string>();
  for (const field of mapping.fields) {
    reserved.add(field.to);
    let result: unknown;
    if (field.from !== undefined) {
      const segments = parsePath(field.from);
      if (segments === null) continue;
      if (segments[0] !== undefined) reserved.add(segments[0]);
      result = readSegments(payload, segments);
    } else {
      result = field.value === undefined ? undefined : structuredClone(field.value);
    }
    if (result !== undefined) setOwn(output, field.to, result);
  }
  if (mapping.include === "all") {
    for (const key of Object.keys(payload)) {
      const value = payload[key];
      if (!reserved.has(key) && value !== undefined) setOwn(output, key, value);
    }
  }
  return output;
}
