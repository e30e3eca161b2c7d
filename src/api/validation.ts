import type { z } from "zod";
import { ValidationError } from "../domain/errors.ts";

/** Parses with zod; failures become a ValidationError whose locations start with `where` (body, query, path). */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: "body" | "query" | "path",
): z.output<S> {
  const result = schema.safeParse(value ?? (where === "body" ? undefined : {}));
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues.map((issue) => ({
      loc: [where, ...issue.path.map(String)],
      msg: issue.message,
      type: issue.code === "invalid_type" ? "type_error" : "value_error",
    })),
  );
}
