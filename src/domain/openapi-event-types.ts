import type { EventTypeRow } from "../store/types.ts";
import { type FieldIssue, ValidationError } from "./errors.ts";

/** An event type as read from an OpenAPI document's webhooks (Svix's EventTypeFromOpenApi). */
export interface EventTypeFromOpenApi {
  name: string;
  description: string;
  /** Svix keeps schemas per version; an import writes version "1". */
  schemas: Record<string, unknown> | null;
  deprecated: boolean;
  groupName: string | null;
  featureFlags: string[] | null;
}

type Json = Record<string, unknown>;
const NAME = /^[a-zA-Z0-9\-_.]{1,256}$/;
const MAX_REF_DEPTH = 32;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Replaces local `$ref`s (`#/components/…`) with what they point to, so each event type's schema stands alone. */
function inlineRefs(value: unknown, root: Json, depth: number, at: string[]): unknown {
  if (Array.isArray(value)) return value.map((item) => inlineRefs(item, root, depth, at));
  if (!isObject(value)) return value;
  const ref = value.$ref;
  if (typeof ref === "string") {
    if (!ref.startsWith("#/")) throw invalid(at, `only local $refs can be imported, not '${ref}'`);
    if (depth >= MAX_REF_DEPTH) throw invalid(at, `$ref '${ref}' nests too deep (a cycle?)`);
    let target: unknown = root;
    for (const part of ref.slice(2).split("/")) {
      const key = part.replaceAll("~1", "/").replaceAll("~0", "~");
      target = isObject(target) ? target[key] : undefined;
    }
    if (target === undefined) throw invalid(at, `$ref '${ref}' points to nothing`);
    return inlineRefs(target, root, depth + 1, at);
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, inlineRefs(v, root, depth, at)]));
}

function invalid(at: string[], msg: string): ValidationError {
  return new ValidationError([{ loc: ["body", "spec", ...at], msg, type: "value_error" }]);
}

function stringList(value: unknown): string[] | null {
  if (typeof value === "string") return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === "string")) return value as string[];
  return null;
}

/** The operation of a webhook path item: POST when present (Svix delivers with POST), otherwise the first one. */
function operationOf(item: Json): Json | undefined {
  if (isObject(item.post)) return item.post;
  return Object.values(item).find(isObject);
}

/** The examples of a media type (`example`, or the values of `examples`), to keep inside the schema. */
function examplesOf(media: Json): unknown[] {
  if (media.example !== undefined) return [media.example];
  if (isObject(media.examples)) {
    return Object.values(media.examples)
      .map((example) => (isObject(example) ? example.value : undefined))
      .filter((value) => value !== undefined);
  }
  return [];
}

/**
 * Reads the event types of an OpenAPI document's `webhooks` (or `x-webhooks`): the name is the webhook's key, the
 * schema its JSON request body schema with `$ref`s inlined and its examples attached, the group and flags Svix's
 * `x-svix-group-name` / `x-svix-feature-flags` extensions.
 */
export function eventTypesFromOpenApi(spec: unknown): EventTypeFromOpenApi[] {
  if (!isObject(spec)) throw invalid([], "must be an OpenAPI document (an object)");
  const webhooks = spec.webhooks ?? spec["x-webhooks"];
  if (!isObject(webhooks))
    throw invalid(["webhooks"], "the document has no webhooks (or x-webhooks) section");
  const issues: FieldIssue[] = [];
  const found: EventTypeFromOpenApi[] = [];
  for (const [name, item] of Object.entries(webhooks)) {
    const at = ["webhooks", name];
    if (!NAME.test(name)) {
      issues.push({
        loc: ["body", "spec", ...at],
        msg: "is not a valid event type name",
        type: "value_error",
      });
      continue;
    }
    const operation = isObject(item) ? operationOf(item) : undefined;
    if (!operation) {
      issues.push({ loc: ["body", "spec", ...at], msg: "has no operation", type: "value_error" });
      continue;
    }
    const requestBody = isObject(operation.requestBody) ? operation.requestBody : {};
    const content = isObject(requestBody.content) ? requestBody.content : {};
    const media = isObject(content["application/json"]) ? content["application/json"] : undefined;
    let schema: Json | null = null;
    if (media && isObject(media.schema)) {
      const inlined = inlineRefs(media.schema, spec, 0, at) as Json;
      const examples = examplesOf(media);
      schema = examples.length > 0 && inlined.examples === undefined ? { ...inlined, examples } : inlined;
    }
    const description = [operation.description, operation.summary, requestBody.description].find(
      (text) => typeof text === "string",
    );
    const groupName = operation["x-svix-group-name"];
    found.push({
      name,
      description: typeof description === "string" ? description : "",
      schemas: schema === null ? null : { "1": schema },
      deprecated: operation.deprecated === true,
      groupName: typeof groupName === "string" && NAME.test(groupName) ? groupName : null,
      featureFlags: stringList(operation["x-svix-feature-flags"] ?? operation["x-svix-feature-flag"]),
    });
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return found;
}

/** The latest version's schema of an event type ("1", "2", … : the highest number wins). */
function latestSchema(schemas: Record<string, unknown> | null): Json | null {
  if (!schemas) return null;
  const versions = Object.keys(schemas).sort((a, b) => Number(b) - Number(a) || b.localeCompare(a));
  const latest = versions[0] === undefined ? undefined : schemas[versions[0]];
  return isObject(latest) ? latest : null;
}

/** An OpenAPI 3.1 document whose `webhooks` describe the event types; importing it gives them back. */
export function eventTypesToOpenApi(rows: EventTypeRow[], title: string): Json {
  const webhooks: Json = {};
  for (const row of rows) {
    const schema = latestSchema(row.schemas);
    const media: Json = { schema };
    if (Array.isArray(schema?.examples) && schema.examples.length > 0) media.example = schema.examples[0];
    webhooks[row.name] = {
      post: {
        description: row.description,
        ...(row.deprecated ? { deprecated: true } : {}),
        ...(row.groupName ? { "x-svix-group-name": row.groupName } : {}),
        ...(row.featureFlags ? { "x-svix-feature-flags": row.featureFlags } : {}),
        ...(schema === null ? {} : { requestBody: { content: { "application/json": media } } }),
        responses: { "2XX": { description: "Return any 2XX status to indicate that the data was received" } },
      },
    };
  }
  return { openapi: "3.1.0", info: { title, version: "1.0.0" }, webhooks };
}
