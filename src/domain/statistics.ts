import type { ApplicationRow, DeliveryCountRow, EndpointRow, MessageStatus } from "../store/types.ts";
import { STATUS_CANCELED, STATUS_FAIL, STATUS_SUCCESS } from "../store/types.ts";
import type { Context } from "./context.ts";
import { ValidationError } from "./errors.ts";
import { isOperationalApp } from "./operational-events.ts";

/** Svix's StatisticsPeriod values and their lengths. */
export const PERIODS = { OneDay: 86_400_000, OneHour: 3_600_000, FiveMinutes: 300_000 } as const;
export type Period = keyof typeof PERIODS;
const MAX_BUCKETS = 5_000;

export interface OutcomeCounts {
  success: number;
  failure: number;
  canceled: number;
}

const empty = (): OutcomeCounts => ({ success: 0, failure: 0, canceled: 0 });

/** Adds a row's count to success, failure or canceled; pending and sending deliveries are not outcomes yet. */
function addTo(counts: OutcomeCounts, status: MessageStatus, count: number): void {
  if (status === STATUS_SUCCESS) counts.success += count;
  else if (status === STATUS_FAIL) counts.failure += count;
  else if (status === STATUS_CANCELED) counts.canceled += count;
}

/** Svix's AppAttemptStatsOut body: totals and per event type (pure). */
export function byEventType(rows: DeliveryCountRow[]): {
  total: OutcomeCounts;
  byType: Record<string, OutcomeCounts>;
} {
  const total = empty();
  const byType: Record<string, OutcomeCounts> = {};
  for (const row of rows) {
    byType[row.eventType] ??= empty();
    addTo(byType[row.eventType] as OutcomeCounts, row.status, row.count);
    addTo(total, row.status, row.count);
  }
  return { total, byType };
}

/** Svix's AttemptStatisticsData: one entry per period from `since` to `until`, zeros included (pure). */
export function perPeriod(
  rows: DeliveryCountRow[],
  since: number,
  until: number,
  period: Period,
): { successCount: number[]; failureCount: number[]; canceledCount: number[] } {
  const length = PERIODS[period];
  const buckets = Math.max(1, Math.ceil((until - since) / length));
  if (buckets > MAX_BUCKETS) {
    throw ValidationError.field(["query", "period"], `the range holds more than ${MAX_BUCKETS} periods`);
  }
  const series = Array.from({ length: buckets }, empty);
  for (const row of rows) {
    const index = row.bucket === null ? 0 : Math.floor((row.bucket - since) / length);
    const counts = series[index];
    if (counts) addTo(counts, row.status, row.count);
  }
  return {
    successCount: series.map((c) => c.success),
    failureCount: series.map((c) => c.failure),
    canceledCount: series.map((c) => c.canceled),
  };
}

/** Deliveries per application in the window (Svix's `messageDestinations`), operational ones left out. */
export async function applicationUsage(
  ctx: Context,
  appIds: string[] | null,
  since: number,
  until: number,
): Promise<Array<{ appId: string; appUid: string | null; messageDestinations: number }>> {
  const totals = new Map<string, number>();
  const scopes = appIds ?? [null];
  for (const appId of scopes) {
    for (const row of await ctx.store.countDeliveries({ appId, since, until, bucketMs: null })) {
      if (!isOperationalApp(row.appId)) totals.set(row.appId, (totals.get(row.appId) ?? 0) + row.count);
    }
  }
  for (const appId of appIds ?? []) if (!totals.has(appId)) totals.set(appId, 0);
  const usage = [];
  for (const [appId, messageDestinations] of totals) {
    const app = await ctx.store.getApplication(appId);
    usage.push({ appId, appUid: app?.uid ?? null, messageDestinations });
  }
  return usage;
}

/** Every application and its endpoints, page by page (the operational application left out). */
export async function* applicationsWithEndpoints(
  ctx: Context,
): AsyncGenerator<{ app: ApplicationRow; endpoints: EndpointRow[] }> {
  let cursor: string | null = null;
  for (;;) {
    const page = await ctx.store.listApplications({ limit: 250, cursor, direction: "next", order: "asc" });
    for (const app of page.items) {
      if (isOperationalApp(app.id)) continue;
      const endpoints: EndpointRow[] = [];
      let after: string | null = null;
      for (;;) {
        const batch = await ctx.store.listEndpoints(app.id, {
          limit: 250,
          cursor: after,
          direction: "next",
          order: "asc",
        });
        endpoints.push(...batch.items);
        const last = batch.items.at(-1);
        if (batch.done || !last) break;
        after = last.id;
      }
      yield { app, endpoints };
    }
    const last = page.items.at(-1);
    if (page.done || !last) return;
    cursor = last.id;
  }
}
