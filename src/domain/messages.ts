import { newId } from "../ids.ts";
import type { NewMessage } from "../store/directory-store.ts";
import { DuplicateEventIdError, DuplicateKeyError } from "../store/errors.ts";
import type {
  ApplicationRow,
  ClaimedDelivery,
  DeliveryRow,
  EndpointRow,
  IdempotencyCompletion,
  MessageRow,
  TriggerType,
} from "../store/types.ts";
import { STATUS_PENDING } from "../store/types.ts";
import type { Context } from "./context.ts";
import {
  ConflictError,
  IdempotencyKeyTakenError,
  NotFoundError,
  PayloadTooLargeError,
  ValidationError,
} from "./errors.ts";
import { endpointWantsMessage } from "./routing.ts";

export interface MessageInput {
  eventType: string;
  payload: Record<string, unknown>;
  eventId?: string | null;
  channels?: string[] | null;
  /** Days the payload is kept. */
  payloadRetentionPeriod?: number;
  /** Hours the payload is kept (Svix: exclusive with payloadRetentionPeriod). */
  payloadRetentionHours?: number;
  tags?: string[] | null;
  /** No attempt before this time; at most the payload's retention away. */
  deliverAt?: number | null;
  /** Preset id, for payloads that must contain their own message id (distributions). */
  id?: string;
}

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
export const DEFAULT_RETENTION_DAYS = 90;

export function newDelivery(
  message: MessageRow,
  endpointId: string,
  now: number,
  trigger: TriggerType,
): DeliveryRow {
  return {
    msgId: message.id,
    endpointId,
    appId: message.appId,
    status: STATUS_PENDING,
    attempts: 0,
    dueAt: now,
    triggerType: trigger,
    createdAt: now,
    updatedAt: now,
  };
}

/** How long the payload is kept, from Svix's two mutually exclusive fields. */
function retentionMs(input: MessageInput): number {
  if (input.payloadRetentionHours !== undefined) {
    if (input.payloadRetentionPeriod !== undefined) {
      throw ValidationError.field(
        ["body", "payloadRetentionHours"],
        "payloadRetentionHours and payloadRetentionPeriod are mutually exclusive",
      );
    }
    return input.payloadRetentionHours * HOUR_MS;
  }
  return (input.payloadRetentionPeriod ?? DEFAULT_RETENTION_DAYS) * DAY_MS;
}

/**
 * When a scheduled message becomes due: a time in the past means now; a time after the payload's retention
 * is refused (the payload would be gone before the first attempt).
 */
export function scheduledDueAt(
  deliverAt: number | null | undefined,
  now: number,
  expiresAt: number,
): number | null {
  if (deliverAt === null || deliverAt === undefined || deliverAt <= now) return null;
  if (deliverAt >= expiresAt) {
    throw ValidationError.field(
      ["body", "deliverAt"],
      "must be before the payload's retention period ends (payloadRetentionPeriod/payloadRetentionHours)",
    );
  }
  return deliverAt;
}

/** A new message's delivery: pending from now, due at once or, for a scheduled message, at deliverAt. */
function firstDelivery(message: MessageRow, endpointId: string): DeliveryRow {
  return {
    ...newDelivery(message, endpointId, message.createdAt, 0),
    dueAt: message.deliverAt ?? message.createdAt,
  };
}

function buildMessage(ctx: Context, app: ApplicationRow, input: MessageInput): MessageRow {
  const now = ctx.now();
  const id = input.id ?? newId("msg", now);
  const expiresAt = now + retentionMs(input);
  // Serialised once here; the worker sends exactly these bytes and signs them.
  const payload = JSON.stringify(input.payload);
  // The API's body limit covers what clients send; this covers messages Outbound makes itself (directory events).
  const max = ctx.config.maxMessageBytes;
  if (payload.length * 3 > max && Buffer.byteLength(payload) > max) {
    throw new PayloadTooLargeError(
      `the ${input.eventType} payload is larger than OUTBOUND_MAX_MESSAGE_BYTES (${max} bytes)`,
    );
  }
  return {
    id,
    appId: app.id,
    eventType: input.eventType,
    eventId: input.eventId ?? null,
    channels: input.channels ?? null,
    payload,
    tags: input.tags && input.tags.length > 0 ? [...new Set(input.tags)] : null,
    deliverAt: scheduledDueAt(input.deliverAt, now, expiresAt),
    createdAt: now,
    expiresAt,
  };
}

/** Builds the idempotent response for a message, to be stored in the same transaction as the message. */
export type IdempotentAnswer = (message: MessageRow) => IdempotencyCompletion;

async function storeMessage(
  ctx: Context,
  message: MessageRow,
  deliveries: DeliveryRow[],
  answer?: IdempotentAnswer,
): Promise<void> {
  const claim = deliveries.length > 0 ? (ctx.handoff?.insertClaim(ctx.now()) ?? undefined) : undefined;
  let leased: ClaimedDelivery[];
  try {
    leased = await ctx.store.insertMessage(message, deliveries, answer?.(message), claim);
  } catch (error) {
    if (error instanceof DuplicateEventIdError) {
      throw new ConflictError("A message with this eventId already exists", "conflict");
    }
    if (error instanceof DuplicateKeyError && error.key === "idempotency.key")
      throw new IdempotencyKeyTakenError();
    throw error;
  }
  if (claim && leased.length > 0) ctx.handoff?.adopt(leased, claim.owner);
  // Only what was not leased waits for a claim.
  if (deliveries.length > leased.length) ctx.notifyWork();
}

/**
 * A new message and one delivery per endpoint that wants it, not yet stored: for callers that write many messages
 * in one transaction (directory events, distributions). `endpoints` are the application's enabled endpoints.
 */
export function prepareMessage(
  ctx: Context,
  app: ApplicationRow,
  input: MessageInput,
  endpoints: EndpointRow[],
): NewMessage {
  const message = buildMessage(ctx, app, input);
  // An application without endpoints (a directory being filled by an import) routes nothing.
  if (endpoints.length === 0) return { message, deliveries: [] };
  const routable = { eventType: input.eventType, channels: input.channels ?? null, payload: input.payload };
  const deliveries = endpoints
    .filter((endpoint) => endpointWantsMessage(endpoint, routable))
    .map((endpoint) => firstDelivery(message, endpoint.id));
  return { message, deliveries };
}

/** Stores the message and one delivery per matching endpoint in one transaction, then wakes the worker. */
export async function createMessage(
  ctx: Context,
  app: ApplicationRow,
  input: MessageInput,
  answer?: IdempotentAnswer,
): Promise<MessageRow> {
  ctx.quotas.takeMessage(app.id, ctx.now());
  const endpoints = await ctx.store.listEnabledEndpoints(app.id);
  const { message, deliveries } = prepareMessage(ctx, app, input, endpoints);
  await storeMessage(ctx, message, deliveries, answer);
  return message;
}

/** A message sent to one endpoint only (send-example). */
export async function createMessageForEndpoint(
  ctx: Context,
  app: ApplicationRow,
  endpoint: EndpointRow,
  input: MessageInput,
): Promise<MessageRow> {
  const message = buildMessage(ctx, app, input);
  await storeMessage(ctx, message, [firstDelivery(message, endpoint.id)]);
  return message;
}

export async function requireMessage(ctx: Context, appId: string, idOrEventId: string): Promise<MessageRow> {
  const message = await ctx.store.getMessage(appId, idOrEventId);
  if (!message) throw new NotFoundError("Message");
  return message;
}

/** Queues one more (manual) attempt of a message to an endpoint. */
export async function resendMessage(ctx: Context, message: MessageRow, endpoint: EndpointRow): Promise<void> {
  if (message.payload === null) {
    throw ValidationError.field(["path", "msg_id"], "the message payload was expunged and cannot be resent");
  }
  const now = ctx.now();
  const existing = await ctx.store.getDelivery(message.id, endpoint.id);
  await ctx.store.requeueDelivery({
    ...newDelivery(message, endpoint.id, now, 1),
    createdAt: existing?.createdAt ?? now,
  });
  ctx.notifyWork();
}

/** Re-queues the endpoint's failed deliveries created in [since, until). */
export async function recoverEndpoint(
  ctx: Context,
  endpoint: EndpointRow,
  since: number,
  until: number | null,
): Promise<number> {
  const now = ctx.now();
  const count = await ctx.store.recoverFailedDeliveries(endpoint.id, since, until ?? now + 1, now);
  if (count > 0) ctx.notifyWork();
  return count;
}
