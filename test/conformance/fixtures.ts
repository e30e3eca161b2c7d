import { after, afterEach, beforeEach, describe } from "node:test";
import { newId } from "../../src/ids.ts";
import type { ImportRow } from "../../src/store/directory-types.ts";
import type { Store } from "../../src/store/store.ts";
import type {
  ApplicationRow,
  AttemptRow,
  BackgroundTaskRow,
  ClaimedDelivery,
  ClaimRequest,
  DeliveryOutcome,
  EndpointRow,
  MessageRow,
  PageQuery,
} from "../../src/store/types.ts";
import { dropTestDatabases } from "../support/postgres.ts";
import { applicationRow, endpointRow, messageRow, pendingDelivery } from "../support/rows.ts";
import { type StoreHandle, storeFactories } from "./store-factories.ts";

export const T0 = 1_800_000_000_000;
export const OWNER = "test-owner";

export function app(now = T0, overrides: Partial<ApplicationRow> = {}): ApplicationRow {
  return applicationRow(now, overrides);
}

export function endpoint(appId: string, now = T0, overrides: Partial<EndpointRow> = {}): EndpointRow {
  return endpointRow({ id: newId("ep", now), appId, createdAt: now, updatedAt: now, ...overrides });
}

export function message(appId: string, now = T0, eventId: string | null = null): MessageRow {
  return messageRow(appId, now, { eventId, channels: ["c1"], expiresAt: now + 1000 });
}

/** A queued import job of `appId`, created at `at`. */
export function importJob(appId: string, at = T0, overrides: Partial<ImportRow> = {}): ImportRow {
  return {
    id: newId("imp", at),
    appId,
    state: "queued",
    options: { idColumn: "id", issuer: "crm" },
    file: null,
    rowsRead: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    failed: 0,
    errors: [],
    message: null,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

export const delivery = pendingDelivery;

/** A running replay-missing task of `endpointId`, created at T0 + i. */
export function backgroundTask(
  appId: string,
  endpointId: string,
  i: number,
  overrides: Partial<BackgroundTaskRow> = {},
): BackgroundTaskRow {
  return {
    id: newId("rtsk", T0 + i),
    appId,
    endpointId,
    task: "endpoint.replay",
    status: "running",
    params: { since: T0, until: T0 + 10 },
    data: {},
    cursor: null,
    createdAt: T0 + i,
    updatedAt: T0 + i,
    ...overrides,
  };
}

export const firstPage = (limit: number, order: "asc" | "desc" = "desc"): PageQuery => ({
  limit,
  cursor: null,
  direction: "next",
  order,
});

export function claimRequest(overrides: Partial<ClaimRequest> = {}): ClaimRequest {
  return {
    now: T0 + 1,
    limit: 100,
    owner: OWNER,
    leaseMs: 30_000,
    endpointCap: 100,
    circuitThreshold: 5,
    rateHorizonMs: 5_000,
    paused: [],
    ...overrides,
  };
}

export function attempt(c: ClaimedDelivery, at: number, statusCode = 200): AttemptRow {
  return {
    id: newId("atmpt", at),
    msgId: c.message.id,
    appId: c.message.appId,
    endpointId: c.endpoint.id,
    url: c.endpoint.url,
    status: statusCode >= 200 && statusCode < 300 ? 0 : 2,
    responseStatusCode: statusCode,
    response: "ok",
    durationMs: 3,
    triggerType: 0,
    createdAt: at,
    request: null,
    responseHeaders: null,
  };
}

export function success(c: ClaimedDelivery, at: number): DeliveryOutcome {
  return { attempt: attempt(c, at), status: 0, dueAt: null, endpointEffect: "success" };
}

export const NO_CIRCUIT = { threshold: 1_000, baseCooldownMs: 1, maxCooldownMs: 1 };

/** An application with one endpoint, stored. */
export async function appWithEndpoint(store: Store, overrides: Partial<EndpointRow> = {}) {
  const a = app();
  await store.insertApplication(a);
  const ep = endpoint(a.id, T0, overrides);
  await store.insertEndpoint(ep);
  return { a, ep };
}

/**
 * Declares the suite once per store implementation, with a fresh database for every test. A store the developer
 * opted out of (OUTBOUND_TEST_SKIP_POSTGRES=1) is skipped; an unreachable PostgreSQL otherwise fails every test.
 */
export function forEachStore(
  title: string,
  body: (ctx: { readonly store: Store; readonly handle: StoreHandle }) => void,
) {
  after(() => dropTestDatabases());
  for (const factory of storeFactories) {
    describe(`${title}: ${factory.name}`, { skip: factory.skip && "OUTBOUND_TEST_SKIP_POSTGRES=1" }, () => {
      let handle: StoreHandle | undefined;
      beforeEach(async () => {
        handle = await factory.create();
      });
      afterEach(async () => {
        await handle?.dispose();
        handle = undefined;
      });
      body({
        get store() {
          if (!handle) throw new Error("no store: the factory failed");
          return handle.store;
        },
        get handle() {
          if (!handle) throw new Error("no store: the factory failed");
          return handle;
        },
      });
    });
  }
}
