import type { z } from "zod";
import { type FieldIssue, ValidationError } from "../domain/errors.ts";

/**
 * Parses with zod; failures become a ValidationError whose locations start with `where` (body, query, path).
 * Schemas are strict: a field Outbound does not support is named in its own issue instead of being dropped.
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: "body" | "query" | "path",
): z.output<S> {
  const proto = where === "body" ? protoKeyPath(value) : null;
  if (proto) {
    throw ValidationError.field(
      [where, ...proto],
      "the key __proto__ is not accepted here (only message payloads keep it, as data)",
    );
  }
  const result = schema.safeParse(value ?? (where === "body" ? undefined : {}));
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues.flatMap((issue): FieldIssue[] => {
      const loc = [where, ...issue.path.map(String)];
      if (issue.code === "unrecognized_keys") {
        return issue.keys.map((key) => ({
          loc: [...loc, key],
          msg: `Outbound does not support the field '${key}'`,
          type: "value_error.extra",
        }));
      }
      return [
        { loc, msg: issue.message, type: issue.code === "invalid_type" ? "type_error" : "value_error" },
      ];
    }),
  );
}

/** True for a query (or any object) without a single key: `?` alone or no query string at all. */
export function hasNoKeys(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  for (const _ in value) return false;
  return true;
}

/**
 * Where a body has an own `__proto__` key that zod would silently drop while rebuilding records (headers,
 * metadata, schemas), or null. A message's top-level `payload` is passed through as parsed and keeps the key.
 * Iterative, so a deep body cannot exhaust the stack.
 */
function protoKeyPath(body: unknown): string[] | null {
  const stack: Array<[unknown, string[]]> = [[body, []]];
  while (stack.length > 0) {
    const [value, path] = stack.pop()!;
    if (value === null || typeof value !== "object") continue;
    for (const key of Object.keys(value)) {
      if (key === "__proto__") return [...path, key];
      if (path.length === 0 && key === "payload") continue;
      stack.push([(value as Record<string, unknown>)[key], [...path, key]]);
    }
  }
  return null;
}
