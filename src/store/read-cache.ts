import type { Store } from "./store.ts";
import type { ApplicationRow, EndpointRow } from "./types.ts";

/**
 * Caches the two reads every message pays for: the application and its enabled endpoints (routing). Writes made
 * through this store invalidate at once; changes made by other processes show within `ttlMs`.
 */
export function withReadCache(store: Store, ttlMs: number): Store {
  const endpoints = new Map<string, { at: number; rows: Promise<EndpointRow[]> }>();
  const apps = new Map<string, { at: number; row: Promise<ApplicationRow | null> }>();
  const fresh = (at: number) => Date.now() - at < ttlMs;
  const forgetEndpoints = (appId?: string) =>
    appId === undefined ? endpoints.clear() : endpoints.delete(appId);

  return {
    ...store,
    listEnabledEndpoints(appId) {
      const hit = endpoints.get(appId);
      if (hit && fresh(hit.at)) return hit.rows;
      const rows = store.listEnabledEndpoints(appId);
      endpoints.set(appId, { at: Date.now(), rows });
      rows.catch(() => endpoints.delete(appId));
      return rows;
    },
    getApplication(idOrUid) {
      const hit = apps.get(idOrUid);
      if (hit && fresh(hit.at)) return hit.row;
      const row = store.getApplication(idOrUid);
      apps.set(idOrUid, { at: Date.now(), row });
      row.catch(() => apps.delete(idOrUid));
      return row;
    },
    async insertApplication(row) {
      apps.clear();
      await store.insertApplication(row);
      apps.clear();
    },
    async updateApplication(row) {
      apps.clear();
      await store.updateApplication(row);
      apps.clear();
    },
    async deleteApplication(id) {
      await store.deleteApplication(id);
      apps.clear();
      forgetEndpoints(id);
    },
    async insertEndpoint(row) {
      await store.insertEndpoint(row);
      forgetEndpoints(row.appId);
    },
    async updateEndpoint(row) {
      await store.updateEndpoint(row);
      forgetEndpoints(row.appId);
    },
    async deleteEndpoint(appId, id) {
      await store.deleteEndpoint(appId, id);
      forgetEndpoints(appId);
    },
    async recordOutcomes(outcomes, now, circuit) {
      const disabled = await store.recordOutcomes(outcomes, now, circuit);
      for (const attempt of disabled) forgetEndpoints(attempt.appId);
      return disabled;
    },
  };
}
