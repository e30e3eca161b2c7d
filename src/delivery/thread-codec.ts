import type {
  AttemptRow,
  ClaimedDelivery,
  DeliveryOutcome,
  EndpointRow,
  MessageStatus,
  TriggerType,
} from "../store/types.ts";

/**
 * Wire forms of the batches that cross between the API's thread and a delivery thread. Structured clone copies
 * objects property by property, about 10–15 µs per claim (message, delivery and endpoint rows) on this hardware;
 * arrays of primitives cost under 2 µs. So each claim or outcome travels as one flat tuple, and an endpoint row,
 * shared by many claims, once per batch as JSON. Pure: decode(encode(x)) equals x (test/unit/thread-codec.test.ts).
 */
export interface EncodedClaims {
  /** JSON of each distinct endpoint row of the batch. */
  endpoints: string[];
  rows: ClaimTuple[];
}

type ClaimTuple = [
  status: MessageStatus,
  attempts: number,
  dueAt: number | null,
  triggerType: TriggerType,
  createdAt: number,
  updatedAt: number,
  msgId: string,
  appId: string,
  eventType: string,
  eventId: string | null,
  channels: string | null,
  payload: string | null,
  tags: string | null,
  deliverAt: number | null,
  messageCreatedAt: number,
  expiresAt: number,
  endpoint: number,
  sendAt: number,
];

const jsonOrNull = (value: unknown) => (value === null ? null : JSON.stringify(value));
const parseOrNull = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));

export function encodeClaims(claims: readonly ClaimedDelivery[]): EncodedClaims {
  // By identity: rows read in different transactions may differ (health), rows of one transaction are one object.
  const index = new Map<EndpointRow, number>();
  const endpoints: string[] = [];
  const rows = claims.map(({ delivery: d, message: m, endpoint, sendAt }): ClaimTuple => {
    let i = index.get(endpoint);
    if (i === undefined) {
      i = endpoints.push(JSON.stringify(endpoint)) - 1;
      index.set(endpoint, i);
    }
    return [
      d.status,
      d.attempts,
      d.dueAt,
      d.triggerType,
      d.createdAt,
      d.updatedAt,
      m.id,
      m.appId,
      m.eventType,
      m.eventId,
      jsonOrNull(m.channels),
      m.payload,
      jsonOrNull(m.tags),
      m.deliverAt,
      m.createdAt,
      m.expiresAt,
      i,
      sendAt,
    ];
  });
  return { endpoints, rows };
}

export function decodeClaims(encoded: EncodedClaims): ClaimedDelivery[] {
  const endpoints = encoded.endpoints.map((text) => JSON.parse(text) as EndpointRow);
  return encoded.rows.map((t) => {
    const endpoint = endpoints[t[16]] as EndpointRow;
    return {
      delivery: {
        msgId: t[6],
        endpointId: endpoint.id,
        appId: t[7],
        status: t[0],
        attempts: t[1],
        dueAt: t[2],
        triggerType: t[3],
        createdAt: t[4],
        updatedAt: t[5],
      },
      message: {
        id: t[6],
        appId: t[7],
        eventType: t[8],
        eventId: t[9],
        channels: parseOrNull(t[10]),
        payload: t[11],
        tags: parseOrNull(t[12]),
        deliverAt: t[13],
        createdAt: t[14],
        expiresAt: t[15],
      },
      endpoint,
      sendAt: t[17],
    };
  });
}

/** Outcome summaries (see outcomeSummary): the attempt without its request and response texts. */
export type EncodedOutcomes = OutcomeTuple[];

type OutcomeTuple = [
  id: string,
  msgId: string,
  appId: string,
  endpointId: string,
  url: string,
  attemptStatus: MessageStatus,
  responseStatusCode: number,
  durationMs: number,
  triggerType: TriggerType,
  createdAt: number,
  responseHeaders: string | null,
  status: MessageStatus,
  dueAt: number | null,
  endpointEffect: DeliveryOutcome["endpointEffect"],
  attemptNumber: number | null,
];

export function encodeOutcomes(outcomes: readonly DeliveryOutcome[]): EncodedOutcomes {
  return outcomes.map(({ attempt: a, status, dueAt, endpointEffect, attemptNumber }) => [
    a.id,
    a.msgId,
    a.appId,
    a.endpointId,
    a.url,
    a.status,
    a.responseStatusCode,
    a.durationMs,
    a.triggerType,
    a.createdAt,
    jsonOrNull(a.responseHeaders),
    status,
    dueAt,
    endpointEffect,
    attemptNumber ?? null,
  ]);
}

/** The summaries as outcomeSummary made them: `response` empty, `request` null. */
export function decodeOutcomes(encoded: EncodedOutcomes): DeliveryOutcome[] {
  return encoded.map((t) => {
    const attempt: AttemptRow = {
      id: t[0],
      msgId: t[1],
      appId: t[2],
      endpointId: t[3],
      url: t[4],
      status: t[5],
      responseStatusCode: t[6],
      response: "",
      durationMs: t[7],
      triggerType: t[8],
      createdAt: t[9],
      request: null,
      responseHeaders: parseOrNull(t[10]),
    };
    return {
      attempt,
      status: t[11],
      dueAt: t[12],
      endpointEffect: t[13],
      ...(t[14] === null ? {} : { attemptNumber: t[14] }),
    };
  });
}
