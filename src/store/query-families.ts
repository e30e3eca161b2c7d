import type { Store } from "./store.ts";

/**
 * The Store split into query families, one file per family in each implementation (sqlite/, postgres/), so both
 * stores implement exactly the same methods per file.
 */
export type CatalogQueries = Pick<
  Store,
  | "insertToken"
  | "findTokenByHash"
  | "deleteToken"
  | "expireApplicationTokens"
  | "countAdminTokens"
  | "insertApplication"
  | "getApplication"
  | "listApplications"
  | "updateApplication"
  | "deleteApplication"
  | "insertEventType"
  | "getEventType"
  | "listEventTypes"
  | "updateEventType"
  | "deleteEventType"
>;

export type DeliveryQueries = Pick<
  Store,
  | "claimDueDeliveries"
  | "recordOutcomes"
  | "releaseDeliveries"
  | "nextDueAt"
  | "releaseOrphanedClaims"
  | "deleteAttemptsBefore"
  | "getAttempt"
  | "listAttempts"
  | "expungeAttemptResponse"
>;

export type EndpointQueries = Pick<
  Store,
  | "insertEndpoint"
  | "getEndpoint"
  | "listEndpoints"
  | "listEnabledEndpoints"
  | "updateEndpoint"
  | "resetEndpointHealth"
  | "deleteEndpoint"
>;

export type IdempotencyQueries = Pick<
  Store,
  | "getIdempotency"
  | "reserveIdempotency"
  | "takeOverIdempotency"
  | "completeIdempotency"
  | "releaseIdempotency"
  | "purgeIdempotency"
  | "releaseAbandonedIdempotency"
>;

export type MessageQueries = Pick<
  Store,
  | "insertMessage"
  | "getMessage"
  | "listMessages"
  | "expungeMessagePayload"
  | "expungeExpiredPayloads"
  | "getDelivery"
  | "listMessageDeliveries"
  | "listEndpointMessages"
  | "requeueDelivery"
  | "recoverFailedDeliveries"
  | "endpointStats"
  | "cancelPendingDeliveries"
  | "countDeliveries"
>;

export type TaskQueries = Pick<
  Store,
  | "insertBackgroundTask"
  | "getBackgroundTask"
  | "listBackgroundTasks"
  | "updateBackgroundTask"
  | "listClaimableBackgroundTasks"
  | "claimBackgroundTask"
  | "renewBackgroundTaskClaim"
  | "releaseBackgroundTaskClaim"
  | "listReplayCandidates"
>;

export type RelayQueries = Pick<
  Store,
  "touchRelaySession" | "deleteRelaySession" | "deleteStaleRelaySessions" | "listAbandonedRelayEndpoints"
>;
