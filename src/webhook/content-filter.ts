import {
  isPlainObject,
  jsonValueProblem,
  parsePath,
  readPath,
  type ValidationIssue,
} from "./payload-mapping.ts";

/**
 * A MongoDB-like filter on the payload: `{ "data.status": "paid", "amount": { "$gte": 100 } }`.
 * Top-level keys are paths (readPath syntax) or `$and`/`$or`; several keys must all match.
 */
export type ContentFilter = Record<string, unknown>;

export const MAX_FILTER_DEPTH = 10;
export const MAX_FILTER_CONDITIONS = 100;

const OPERATORS = new Set(["$eq", "$ne", "$in", "$nin", "$gt", "$gte", "$lt", "$lte", "$exists"]);

/** An operator object has at least one `$` key; anything else is a literal compared with deep equality. */
function isOperatorObject(value: unknown): value is Record<string, unknown> {
  return isPlainObject(value) && Object.keys(value).some((key) => key.startsWith("$"));
}

/** `$.a.b` is a path with the optional JSONPath root, not an operator. */
function isOperatorKey(key: string): boolean {
  return key.startsWith("$") && !key.startsWith("$.");
}

export function validateFilter(filter: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const count = { conditions: 0 };
  validateNode(filter, [], 0, issues, count);
  if (count.conditions > MAX_FILTER_CONDITIONS) {
    issues.push({ path: [], message: `must have at most ${MAX_FILTER_CONDITIONS} conditions` });
  }
  return issues;
}

/** `depth` counts $and/$or levels, which bounds the recursion of matchesFilter. */
function validateNode(
  node: unknown,
  path: string[],
  depth: number,
  issues: ValidationIssue[],
  count: { conditions: number },
): void {
  if (!isPlainObject(node)) {
    issues.push({ path, message: "must be an object of conditions" });
    return;
  }
  if (depth > MAX_FILTER_DEPTH) {
    issues.push({ path, message: `$and/$or may nest at most ${MAX_FILTER_DEPTH} levels` });
    return;
  }
  for (const [key, condition] of Object.entries(node)) {
    const at = [...path, key];
    if (key === "$and" || key === "$or") {
      if (!Array.isArray(condition) || condition.length === 0) {
        issues.push({ path: at, message: `${key} must be a non-empty array of filters` });
        continue;
      }
      condition.forEach((sub: unknown, i) => {
        if (isPlainObject(sub) && Object.keys(sub).length === 0) {
          issues.push({ path: [...at, String(i)], message: "must not be an empty filter" });
        } else {
          validateNode(sub, [...at, String(i)], depth + 1, issues, count);
        }
      });
    } else if (isOperatorKey(key)) {
      issues.push({ path: at, message: `unknown operator ${key}; use $and or $or, or a payload path` });
    } else if (parsePath(key) === null) {
      issues.push({ path: at, message: "must be a dotted path such as user.email or items[0].id" });
    } else {
      validateCondition(condition, at, issues, count);
    }
  }
}

function validateCondition(
  condition: unknown,
  at: string[],
  issues: ValidationIssue[],
  count: { conditions: number },
): void {
  if (!isOperatorObject(condition)) {
    count.conditions++;
    const problem = jsonValueProblem(condition);
    if (problem) issues.push({ path: at, message: problem });
    return;
  }
  for (const [op, operand] of Object.entries(condition)) {
    count.conditions++;
    const opAt = [...at, op];
    let problem: string | null = null;
    switch (op) {
      case "$eq":
      case "$ne":
        problem = jsonValueProblem(operand);
        break;
      case "$in":
      case "$nin":
        problem = Array.isArray(operand) ? jsonValueProblem(operand) : `${op} takes an array`;
        break;
      case "$gt":
      case "$gte":
      case "$lt":
      case "$lte":
        // Other operands could never match, so they are almost certainly a mistake.
        problem =
          typeof operand === "string" || (typeof operand === "number" && Number.isFinite(operand))
            ? null
            : `${op} takes a number or a string`;
        break;
      case "$exists":
        problem = typeof operand === "boolean" ? null : "$exists takes true or false";
        break;
      default:
        problem = op.startsWith("$")
          ? `unknown operator ${op}; supported: ${[...OPERATORS].join(", ")}`
          : "cannot mix operators and literal keys in one condition";
    }
    if (problem) issues.push({ path: opAt, message: problem });
  }
}

/**
 * Whether a payload passes a filter that passed validateFilter. Anything the validator would reject (an unknown
 * operator, a malformed operand or path) never matches, so a bad stored filter fails closed.
 */
export function matchesFilter(payload: unknown, filter: ContentFilter): boolean {
  for (const [key, condition] of Object.entries(filter)) {
    if (key === "$and" || key === "$or") {
      if (!Array.isArray(condition)) return false;
      const test = (sub: unknown) => isPlainObject(sub) && matchesFilter(payload, sub);
      if (!(key === "$and" ? condition.every(test) : condition.some(test))) return false;
    } else if (isOperatorKey(key) || parsePath(key) === null) {
      return false;
    } else if (!matchesCondition(readPath(payload, key), condition)) {
      return false;
    }
  }
  return true;
}

function matchesCondition(value: unknown, condition: unknown): boolean {
  if (!isOperatorObject(condition)) return matchesEq(value, condition);
  return Object.entries(condition).every(([op, operand]) => matchesOperator(value, op, operand));
}

/** `undefined` is a missing path: $ne/$nin (negations of $eq/$in) therefore match it. */
function matchesOperator(value: unknown, op: string, operand: unknown): boolean {
  switch (op) {
    case "$eq":
      return matchesEq(value, operand);
    case "$ne":
      return !matchesEq(value, operand);
    case "$in":
      return Array.isArray(operand) && operand.some((candidate) => matchesEq(value, candidate));
    case "$nin":
      return Array.isArray(operand) && !operand.some((candidate) => matchesEq(value, candidate));
    case "$gt":
    case "$gte":
    case "$lt":
    case "$lte":
      return compare(value, op, operand);
    case "$exists":
      return typeof operand === "boolean" && (value !== undefined) === operand;
    default:
      return false;
  }
}

/**
 * Deep equality; a missing value equals nothing (not even null: use `$exists: false`). Like MongoDB, an array
 * value matches a non-array operand when any element equals it (`tags: "vip"` matches `["new", "vip"]`).
 */
function matchesEq(value: unknown, operand: unknown): boolean {
  if (value === undefined) return false;
  if (deepEqual(value, operand)) return true;
  return Array.isArray(value) && !Array.isArray(operand) && value.some((item) => deepEqual(item, operand));
}

/** Numbers with numbers, strings with strings (so ISO dates order correctly); any other pair is false. */
function compare(value: unknown, op: string, operand: unknown): boolean {
  const comparable =
    (typeof value === "number" && typeof operand === "number") ||
    (typeof value === "string" && typeof operand === "string");
  if (!comparable) return false;
  const a = value as number | string;
  const b = operand as number | string;
  switch (op) {
    case "$gt":
      return a > b;
    case "$gte":
      return a >= b;
    case "$lt":
      return a < b;
    default:
      return a <= b;
  }
}

/** JSON deep equality; object key order does not matter (unlike MongoDB's embedded-document equality). */
function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  }
  if (!isPlainObject(a) || !isPlainObject(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.hasOwn(b, key) && deepEqual(a[key], b[key]));
}
