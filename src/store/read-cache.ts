import type { Store } from "./store.ts";
import type { ApplicationRow, EndpointRow } from "./types.ts";

/** A store with the routing cache, which the process can also drop (a delivery thread disabled an endpoint). */
export interface CachedStore extends Store {
  /** Forgets the cached endpoints of one application, or of all. */
  forgetEndpoints(appId?: string): void;
}

/**
 * Caches the two reads every message pays for: the application and its enabled endpoints (routing). Writes made
 * through this store invalidate at once; changes made by other processes show within `ttlMs` of the injected clock.
 * Every other method is forwarded as it is, one by one, so a method added to Store must be added here too.
 */
export function withReadCache(store: Store, ttlMs: number, now: () => number): CachedStore {
  const endpoints = new Map<string, { at: number; rows: Promise<EndpointRow[]> }>();
  const apps = new Map<string, { at: number; row: Promise<ApplicationRow | null> }>();
  const fresh = (at: number) => now() - at < ttlMs;
  const forgetEndpoints = (appId?: string) =>
    appId === undefined ? endpoints.clear() : endpoints.delete(appId);

  return {
    forgetEndpoints,
    listEnabledEndpoints(appId) {
      const hit = endpoints.get(appId);
      if (hit && fresh(hit.at)) return hit.rows;
      const rows = store.listEnabledEndpoints(appId);
      endpoints.set(appId, { at: now(), rows });
      rows.catch(() => endpoints.delete(appId));
      return rows;
    },
    getApplication(idOrUid) {
      const hit = apps.get(idOrUid);
      if (hit && fresh(hit.at)) return hit.row;
      const row = store.getApplication(idOrUid);
      apps.set(idOrUid, { at: now(), row });
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
    async resetEndpointHealth(id) {
      await store.resetEndpointHealth(id);
      forgetEndpoints();
    },
    async deleteEndpoint(appId, id) {
      await store.deleteEndpoint(appId, id);
      forgetEndpoints(appId);
    },
    async recordOutcomes(outcomes, context) {
      const disabled = await store.recordOutcomes(outcomes, context);
      for (const attempt of disabled) forgetEndpoints(attempt.appId);
      return disabled;
    },

    claimsAtInsert: store.claimsAtInsert,
    close: (...args) => store.close(...args),
    insertToken: (...args) => store.insertToken(...args),
    findTokenByHash: (...args) => store.findTokenByHash(...args),
    deleteToken: (...args) => store.deleteToken(...args),
    expireApplicationTokens: (...args) => store.expireApplicationTokens(...args),
    countAdminTokens: (...args) => store.countAdminTokens(...args),
    listApplications: (...args) => store.listApplications(...args),
    insertEventType: (...args) => store.insertEventType(...args),
    getEventType: (...args) => store.getEventType(...args),
    listEventTypes: (...args) => store.listEventTypes(...args),
    updateEventType: (...args) => store.updateEventType(...args),
    deleteEventType: (...args) => store.deleteEventType(...args),
    getEndpoint: (...args) => store.getEndpoint(...args),
    listEndpoints: (...args) => store.listEndpoints(...args),
    insertMessage: (...args) => store.insertMessage(...args),
    getMessage: (...args) => store.getMessage(...args),
    listMessages: (...args) => store.listMessages(...args),
    expungeMessagePayload: (...args) => store.expungeMessagePayload(...args),
    expungeExpiredPayloads: (...args) => store.expungeExpiredPayloads(...args),
    deleteAttemptsBefore: (...args) => store.deleteAttemptsBefore(...args),
    getDelivery: (...args) => store.getDelivery(...args),
    listMessageDeliveries: (...args) => store.listMessageDeliveries(...args),
    listEndpointMessages: (...args) => store.listEndpointMessages(...args),
    requeueDelivery: (...args) => store.requeueDelivery(...args),
    recoverFailedDeliveries: (...args) => store.recoverFailedDeliveries(...args),
    endpointStats: (...args) => store.endpointStats(...args),
    cancelPendingDeliveries: (...args) => store.cancelPendingDeliveries(...args),
    countDeliveries: (...args) => store.countDeliveries(...args),
    claimDueDeliveries: (...args) => store.claimDueDeliveries(...args),
    releaseDeliveries: (...args) => store.releaseDeliveries(...args),
    releaseOrphanedClaims: (...args) => store.releaseOrphanedClaims(...args),
    listenForWork: (...args) => store.listenForWork(...args),
    nextDueAt: (...args) => store.nextDueAt(...args),
    ping: (...args) => store.ping(...args),
    operationalStats: (...args) => store.operationalStats(...args),
    getAttempt: (...args) => store.getAttempt(...args),
    listAttempts: (...args) => store.listAttempts(...args),
    expungeAttemptResponse: (...args) => store.expungeAttemptResponse(...args),
    insertBackgroundTask: (...args) => store.insertBackgroundTask(...args),
    getBackgroundTask: (...args) => store.getBackgroundTask(...args),
    listBackgroundTasks: (...args) => store.listBackgroundTasks(...args),
    updateBackgroundTask: (...args) => store.updateBackgroundTask(...args),
    listClaimableBackgroundTasks: (...args) => store.listClaimableBackgroundTasks(...args),
    claimBackgroundTask: (...args) => store.claimBackgroundTask(...args),
    renewBackgroundTaskClaim: (...args) => store.renewBackgroundTaskClaim(...args),
    releaseBackgroundTaskClaim: (...args) => store.releaseBackgroundTaskClaim(...args),
    touchRelaySession: (...args) => store.touchRelaySession(...args),
    deleteRelaySession: (...args) => store.deleteRelaySession(...args),
    deleteStaleRelaySessions: (...args) => store.deleteStaleRelaySessions(...args),
    listAbandonedRelayEndpoints: (...args) => store.listAbandonedRelayEndpoints(...args),
    listReplayCandidates: (...args) => store.listReplayCandidates(...args),
    getIdempotency: (...args) => store.getIdempotency(...args),
    reserveIdempotency: (...args) => store.reserveIdempotency(...args),
    takeOverIdempotency: (...args) => store.takeOverIdempotency(...args),
    completeIdempotency: (...args) => store.completeIdempotency(...args),
    releaseIdempotency: (...args) => store.releaseIdempotency(...args),
    purgeIdempotency: (...args) => store.purgeIdempotency(...args),
    releaseAbandonedIdempotency: (...args) => store.releaseAbandonedIdempotency(...args),
    insertIssuer: (...args) => store.insertIssuer(...args),
    getIssuer: (...args) => store.getIssuer(...args),
    listIssuers: (...args) => store.listIssuers(...args),
    deleteIssuer: (...args) => store.deleteIssuer(...args),
    insertAttribute: (...args) => store.insertAttribute(...args),
    updateAttribute: (...args) => store.updateAttribute(...args),
    listAttributes: (...args) => store.listAttributes(...args),
    deleteAttribute: (...args) => store.deleteAttribute(...args),
    getParticipant: (...args) => store.getParticipant(...args),
    findParticipantByIdentifier: (...args) => store.findParticipantByIdentifier(...args),
    findParticipantsByIdentifiers: (...args) => store.findParticipantsByIdentifiers(...args),
    listParticipants: (...args) => store.listParticipants(...args),
    saveParticipants: (...args) => store.saveParticipants(...args),
    deleteParticipant: (...args) => store.deleteParticipant(...args),
    insertImport: (...args) => store.insertImport(...args),
    updateImport: (...args) => store.updateImport(...args),
    getImport: (...args) => store.getImport(...args),
    listImports: (...args) => store.listImports(...args),
    listUnfinishedImports: (...args) => store.listUnfinishedImports(...args),
    insertDistribution: (...args) => store.insertDistribution(...args),
    getDistribution: (...args) => store.getDistribution(...args),
    listDistributions: (...args) => store.listDistributions(...args),
    addRecipients: (...args) => store.addRecipients(...args),
    listRecipients: (...args) => store.listRecipients(...args),
    markResponded: (...args) => store.markResponded(...args),
    distributionCounts: (...args) => store.distributionCounts(...args),
  };
}
