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
