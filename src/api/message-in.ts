import type { z } from "zod";
import { ID_PATTERN, messageIn, TAG_PATTERN } from "./schemas.ts";
import { parseInput } from "./validation.ts";

export type MessageIn = z.output<typeof messageIn>;

/**
 * The body of `POST /api/v1/app/:app_id/msg`, parsed exactly as `parseInput(messageIn, body, "body")` would.
 * The common body (event type, payload, and optionally eventId, channels, tags, retention, null application or
 * deliverAt) is checked by hand, because zod's walk had been 2 % of ingest CPU; anything else, including every
 * body zod would refuse, goes to zod, so error details come from one place.
 */
export function parseMessageIn(body: unknown): MessageIn {
  return commonMessageIn(body) ?? parseInput(messageIn, body, "body");
}

/**
 * The parsed body when it is a common, valid one; undefined when zod must decide. Never accepts what zod refuses,
 * and builds what zod builds: the schema's keys in the schema's order, arrays copied, the payload as given.
 * Exported for the tests that compare it with zod.
 */
export function commonMessageIn(body: unknown): MessageIn | undefined {
  if (typeof body !== "object" || body === null || Object.getPrototypeOf(body) !== Object.prototype) {
    return undefined;
  }
  const b = body as Record<string, unknown>;
  for (const key in b) {
    const value = b[key];
    switch (key) {
      case "eventType":
        if (!isId(value, 256)) return undefined;
        break;
      case "payload":
        if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
        break;
      case "eventId":
        if (value !== null && !isId(value, 256)) return undefined;
        break;
      case "channels":
        if (value !== null && !isList(value, 1, 5, ID_PATTERN)) return undefined;
        break;
      case "tags":
        if (value !== null && !isList(value, 0, 5, TAG_PATTERN)) return undefined;
        break;
      case "payloadRetentionPeriod":
        if (!isIntIn(value, 1, 90)) return undefined;
        break;
      case "payloadRetentionHours":
        if (!isIntIn(value, 1, 2160)) return undefined;
        break;
      case "application":
      case "deliverAt":
        if (value !== null) return undefined;
        break;
      default:
        return undefined; // an unknown field (or __proto__): zod names it
    }
  }
  if (b.eventType === undefined || b.payload === undefined) return undefined;
  const out: Record<string, unknown> = { eventType: b.eventType, payload: b.payload };
  if (b.eventId !== undefined) out.eventId = b.eventId;
  if (b.channels !== undefined) out.channels = copyList(b.channels);
  if (b.payloadRetentionPeriod !== undefined) out.payloadRetentionPeriod = b.payloadRetentionPeriod;
  if (b.payloadRetentionHours !== undefined) out.payloadRetentionHours = b.payloadRetentionHours;
  if (b.application !== undefined) out.application = b.application;
  if (b.tags !== undefined) out.tags = copyList(b.tags);
  if (b.deliverAt !== undefined) out.deliverAt = b.deliverAt;
  return out as MessageIn;
}

/** An identifier (uid, event type name, channel): 1..max characters of ID_PATTERN. */
function isId(value: unknown, max: number): boolean {
  return typeof value === "string" && value.length >= 1 && value.length <= max && ID_PATTERN.test(value);
}

/** An array of min..max strings of 1..128 characters matching `pattern` (channels, tags). */
function isList(value: unknown, min: number, max: number, pattern: RegExp): boolean {
  if (!Array.isArray(value) || value.length < min || value.length > max) return false;
  for (const item of value) {
    if (typeof item !== "string" || item.length < 1 || item.length > 128 || !pattern.test(item)) return false;
  }
  return true;
}

function isIntIn(value: unknown, min: number, max: number): boolean {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}

function copyList(value: unknown): unknown {
  return Array.isArray(value) ? value.slice() : value;
}
