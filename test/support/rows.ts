/** Store rows with defaults, for tests of pure functions and of the Store contract. */
import { newId } from "../../src/ids.ts";
import type {
  ApplicationRow,
  ClaimRequest,
  DeliveryRow,
  EndpointRow,
  MessageRow,
} from "../../src/store/types.ts";

export function endpointRow(overrides: Partial<EndpointRow> = {}): EndpointRow {
  return {
    id: "ep_1",
    appId: "app_1",
    uid: null,
    url: "https://example.com/hook",
    description: "",
    disabled: false,
    eventTypes: null,
    channels: null,
    metadata: {},
    throttleRate: null,
    headers: {},
    secretsSealed: "sealed",
    health: { failingSince: null, consecutiveFailures: 0, circuitOpenUntil: null },
    delivery: {},
    credentialsSealed: null,
    transformation: null,
    createdAt: 0,
    updatedAt: 0,
    ...overrides,
  };
}

/** An application row at `now`. */
export function applicationRow(now: number, overrides: Partial<ApplicationRow> = {}): ApplicationRow {
  return {
    id: newId("app", now),
    uid: null,
    name: "a",
    metadata: {},
    throttleRate: null,
    requireHttps: false,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

/** A message row at `now` with a small payload, kept for an hour. */
export function messageRow(appId: string, now: number, overrides: Partial<MessageRow> = {}): MessageRow {
  return {
    id: newId("msg", now),
    appId,
    eventType: "user.created",
    eventId: null,
    channels: null,
    payload: '{"a":1}',
    tags: null,
    deliverAt: null,
    createdAt: now,
    expiresAt: now + 3_600_000,
    ...overrides,
  };
}

/** A pending first delivery of `message` to `endpointId`, due at `dueAt`. */
export function pendingDelivery(message: MessageRow, endpointId: string, dueAt: number): DeliveryRow {
  return {
    msgId: message.id,
    endpointId,
    appId: message.appId,
    status: 1,
    attempts: 0,
    dueAt,
    triggerType: 0,
    createdAt: message.createdAt,
    updatedAt: message.createdAt,
  };
}

/** A claim with no caps in the way (no in-flight work, nothing paused), for Store contract tests. */
export function openClaim(now: number, limit = 10): ClaimRequest {
  return {
    now,
    limit,
    owner: "test",
    leaseMs: 30_000,
    endpointCap: 10,
    circuitThreshold: 5,
    rateHorizonMs: 5_000,
    paused: [],
  };
}
