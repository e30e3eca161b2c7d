import { isoString } from "../iso-time.ts";
import type { AttributeRow } from "../store/directory-types.ts";

export type AttributeValue = string | number | boolean;
export type Coerced = { ok: true; value: AttributeValue } | { ok: false; message: string };

/** Longest attribute value kept: a profile field, not a document (every event about the participant carries it). */
export const MAX_ATTRIBUTE_VALUE_CHARS = 4096;
const TRUE_TEXTS = ["true", "yes", "1"];
const FALSE_TEXTS = ["false", "no", "0"];

/** Turns an input (API JSON or CSV text) into the stored value for an attribute, or says why it cannot. */
export function coerceAttributeValue(attribute: AttributeRow, input: unknown): Coerced {
  const text = typeof input === "string" ? input.trim() : input;
  if (typeof text === "string" && text.length > MAX_ATTRIBUTE_VALUE_CHARS) {
    return { ok: false, message: `is longer than ${MAX_ATTRIBUTE_VALUE_CHARS} characters` };
  }
  switch (attribute.valueType) {
    case "String":
      return typeof text === "string" || typeof text === "number" || typeof text === "boolean"
        ? { ok: true, value: String(text) }
        : { ok: false, message: "must be a string" };
    case "Number": {
      const value =
        typeof text === "number" ? text : typeof text === "string" && text !== "" ? Number(text) : Number.NaN;
      return Number.isFinite(value)
        ? { ok: true, value }
        : { ok: false, message: `"${String(input)}" is not a number` };
    }
    case "Boolean": {
      if (typeof text === "boolean") return { ok: true, value: text };
      const lower = typeof text === "string" ? text.toLowerCase() : "";
      if (TRUE_TEXTS.includes(lower)) return { ok: true, value: true };
      if (FALSE_TEXTS.includes(lower)) return { ok: true, value: false };
      return { ok: false, message: `"${String(input)}" is not a boolean (true/false)` };
    }
    case "DateTime": {
      const ms = typeof text === "string" && /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
      return Number.isNaN(ms)
        ? { ok: false, message: `"${String(input)}" is not an ISO-8601 date-time` }
        : { ok: true, value: isoString(ms) };
    }
    case "SingleChoice": {
      const choices = attribute.choices ?? [];
      // By value first, as each choice was tried by value then label: the label's lowercasing only when needed.
      let lower: string | undefined;
      const match = choices.find((choice) => {
        if (choice.value === text) return true;
        if (typeof text !== "string") return false;
        lower ??= text.toLowerCase();
        return choice.label.toLowerCase() === lower;
      });
      return match
        ? { ok: true, value: match.value }
        : {
            ok: false,
            message: `"${String(input)}" is not one of ${choices.map((choice) => choice.value).join(", ")}`,
          };
    }
  }
}

/** The readable form of a stored value: a SingleChoice's label; nothing for other types. */
export function friendlyValue(attribute: AttributeRow, value: AttributeValue): string | undefined {
  if (attribute.valueType !== "SingleChoice") return undefined;
  return attribute.choices?.find((choice) => choice.value === value)?.label;
}
