import type { DirectoryStore, NewMessage } from "./directory-store.ts";
import type { OperationalStats } from "./stats.ts";
import type {
  ApplicationRow,
  AttemptFilter,
  AttemptRow,
  BackgroundTaskFilter,
  BackgroundTaskRow,
  CircuitPolicy,
  ClaimedDelivery,
  ClaimRequest,
  DeliveryCountQuery,
  DeliveryCountRow,
  DeliveryOutcome,
  DeliveryRow,
  DeliveryWithEndpoint,
  EndpointMessageRow,
  EndpointRow,
  EndpointStatsRow,
  EventTypeRow,
  IdempotencyCompletion,
  IdempotencyRow,
  MessageFilter,
  MessageRow,
  MessageStatus,
  Page,
  PageQuery,
  ReplayCandidate,
  TokenRow,
  TriggerType,
} from "./types.ts";

/**
 * Everything the domain and worker need from persistence. Methods are async so a network database
 * (PostgreSQL) implements the same interface; the SQLite implementation answers synchronously inside.
 * Multi-row changes that must be atomic are single methods (e.g. insertMessage writes the message and
 * its deliveries in one transaction).
 */
export interface Store extends DirectoryStore {
  readonly kind: "sqlite" | "postgres";
  close(): Promise<void>;

  insertToken(row: TokenRow): Promise<void>;
  findTokenByHash(hash: string): Promise<TokenRow | null>;
  /** Deletes the token (logout): it stops authenticating at once. */
  deleteToken(id: string): Promise<void>;
  /**
   * Makes an application's tokens expire at `expiresAt` at the latest (those of `sessionIds` only, if given);
   * returns how many changed.
   */
  expireApplicationTokens(appId: string, expiresAt: number, sessionIds: string[] | null): Promise<number>;
  countAdminTokens(): Promise<number>;

  insertApplication(row: ApplicationRow): Promise<void>;
  /** By id or uid. */
  getApplication(idOrUid: string): Promise<ApplicationRow | null>;
  listApplications(page: PageQuery): Promise<Page<ApplicationRow>>;
  updateApplication(row: ApplicationRow): Promise<void>;
  deleteApplication(id: string): Promise<void>;

  insertEventType(row: EventTypeRow): Promise<void>;
  getEventType(name: string): Promise<EventTypeRow | null>;
  listEventTypes(page: PageQuery, includeArchived: boolean): Promise<Page<EventTypeRow>>;
  updateEventType(row: EventTypeRow): Promise<void>;
  deleteEventType(name: string): Promise<void>;

  insertEndpoint(row: EndpointRow): Promise<void>;
  /** By id or uid within the application. */
  getEndpoint(appId: string, idOrUid: string): Promise<EndpointRow | null>;
  listEndpoints(appId: string, page: PageQuery): Promise<Page<EndpointRow>>;
  /** Every enabled endpoint of an application: the routing candidates for a new message. */
  listEnabledEndpoints(appId: string): Promise<EndpointRow[]>;
  /** Saves the endpoint's settings; its health (failure run, circuit breaker) is left as it is. */
  updateEndpoint(row: EndpointRow): Promise<void>;
  resetEndpointHealth(id: string): Promise<void>;
  deleteEndpoint(appId: string, id: string): Promise<void>;

  /** Stores the message and its deliveries in one transaction; throws DuplicateEventIdError if its eventId exists. */
  insertMessage(
    message: MessageRow,
    deliveries: DeliveryRow[],
    idempotency?: IdempotencyCompletion,
  ): Promise<void>;
  /** Many messages (no eventIds) with their deliveries in one transaction. */
  insertMessages(items: NewMessage[]): Promise<void>;
  /** By id or eventId within the application. */
  getMessage(appId: string, idOrEventId: string): Promise<MessageRow | null>;
  findMessageByEventId(appId: string, eventId: string, since: number): Promise<MessageRow | null>;
  listMessages(appId: string, filter: MessageFilter, page: PageQuery): Promise<Page<MessageRow>>;
  expungeMessagePayload(appId: string, msgId: string): Promise<void>;
  /** Drops payloads whose retention period has passed; returns how many. */
  expungeExpiredPayloads(now: number): Promise<number>;

  getDelivery(msgId: string, endpointId: string): Promise<DeliveryRow | null>;
  listMessageDeliveries(appId: string, msgId: string, page: PageQuery): Promise<Page<DeliveryWithEndpoint>>;
  listEndpointMessages(
    appId: string,
    endpointId: string,
    filter: MessageFilter & { status?: MessageStatus },
    page: PageQuery,
  ): Promise<Page<EndpointMessageRow>>;
  /** Makes the delivery due now (creating it if the message never went to that endpoint). */
  requeueDelivery(row: DeliveryRow): Promise<void>;
  /** Re-queues failed deliveries of an endpoint created in [since, until); returns how many. */
  recoverFailedDeliveries(endpointId: string, since: number, until: number, now: number): Promise<number>;
  endpointStats(endpointId: string, since: number | null, until: number | null): Promise<EndpointStatsRow>;
  /** Cancels the endpoint's pending deliveries created before `createdBefore` (status 4); returns how many. */
  cancelPendingDeliveries(endpointId: string, createdBefore: number, now: number): Promise<number>;
  /** Statistics: deliveries grouped by application, event type, status and time bucket of their message. */
  countDeliveries(query: DeliveryCountQuery): Promise<DeliveryCountRow[]>;

  /** Leases due deliveries (pending and due, or sending with an expired lease), respecting per-endpoint caps. */
  claimDueDeliveries(request: ClaimRequest): Promise<ClaimedDelivery[]>;
  /**
   * Records attempts and the resulting delivery/endpoint state, all in one transaction. Returns the attempts whose
   * outcome switched their endpoint from enabled to disabled (once per endpoint, however many were in flight).
   */
  recordOutcomes(outcomes: DeliveryOutcome[], now: number, circuit: CircuitPolicy): Promise<AttemptRow[]>;
  /** Gives claimed deliveries back (graceful shutdown) so another worker picks them up at once. */
  releaseDeliveries(keys: Array<{ msgId: string; endpointId: string }>, now: number): Promise<void>;
  /** Makes claims of dead processes due again: SQLite (one process) releases every claim at start-up;
   * a shared database only those whose lease expired. Returns how many. */
  releaseOrphanedClaims(now: number): Promise<number>;
  /** Earliest due time among pending deliveries, to sleep exactly until then. */
  nextDueAt(): Promise<number | null>;

  insertAttempt(row: AttemptRow): Promise<void>;
  getAttempt(appId: string, msgId: string, attemptId: string): Promise<AttemptRow | null>;
  listAttempts(appId: string, filter: AttemptFilter, page: PageQuery): Promise<Page<AttemptRow>>;
  expungeAttemptResponse(appId: string, msgId: string, attemptId: string): Promise<void>;

  insertBackgroundTask(row: BackgroundTaskRow): Promise<void>;
  getBackgroundTask(id: string): Promise<BackgroundTaskRow | null>;
  listBackgroundTasks(filter: BackgroundTaskFilter, page: PageQuery): Promise<Page<BackgroundTaskRow>>;
  /** Saves status, data, cursor and updatedAt. */
  updateBackgroundTask(row: BackgroundTaskRow): Promise<void>;
  /**
   * The application's messages created in [since, until) with id after `afterId`, oldest first, each with the
   * status of its delivery to `endpointId` (null if it never went there).
   */
  listReplayCandidates(
    appId: string,
    endpointId: string,
    window: { since: number; until: number; afterId: string | null },
    limit: number,
  ): Promise<ReplayCandidate[]>;

  getIdempotency(key: string): Promise<IdempotencyRow | null>;
  /** Returns false if a row for the key already exists (another request got there first). */
  reserveIdempotency(key: string, requestHash: string, now: number): Promise<boolean>;
  completeIdempotency(key: string, statusCode: number, body: string): Promise<void>;
  releaseIdempotency(key: string): Promise<void>;
  purgeIdempotency(olderThan: number): Promise<number>;
  /** Drops reservations that never got a response (their request died with its process) made before `olderThan`. */
  releaseAbandonedIdempotency(olderThan: number): Promise<number>;

  /** Throws when the database cannot be used (answers /api/v1/health with 503). */
  ping(): Promise<void>;
  /** Queue, endpoint and database counts for /metrics and /api/v1/health/details; read on demand only. */
  operationalStats(now: number): Promise<OperationalStats>;
}

export type { TriggerType };
