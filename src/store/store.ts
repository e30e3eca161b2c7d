import type { DirectoryStore } from "./directory-store.ts";
import type { OperationalStats } from "./stats.ts";
import type {
  ApplicationRow,
  AttemptFilter,
  AttemptRow,
  BackgroundTaskFilter,
  BackgroundTaskRow,
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
  InsertClaim,
  MessageFilter,
  MessageRow,
  MessageStatus,
  OutcomeContext,
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

  /**
   * True where this process is the only claimer of the database (SQLite, held by `lockDatabase`): `insertMessage`
   * can then lease new deliveries in the transaction that inserts them, counting live claims exactly as
   * `claimDueDeliveries` does. False for PostgreSQL: concurrent transactions cannot see each other's uncommitted
   * leases, so per-endpoint caps would not hold across processes.
   */
  readonly claimsAtInsert: boolean;
  /**
   * Stores the message and its deliveries in one transaction; throws DuplicateEventIdError if its eventId exists.
   * With `idempotency`, the key's answer commits with them: stored on the reserved key, or with `reserve` inserted
   * with it (DuplicateKeyError "idempotency.key", and nothing stored, when the key exists).
   * With `claim` (only where `claimsAtInsert`), deliveries that qualify are leased to `claim.owner` in the same
   * transaction and returned, ready to send; the others are stored pending as without it.
   */
  insertMessage(
    message: MessageRow,
    deliveries: DeliveryRow[],
    idempotency?: IdempotencyCompletion,
    claim?: InsertClaim,
  ): Promise<ClaimedDelivery[]>;
  /** By id or eventId within the application. */
  getMessage(appId: string, idOrEventId: string): Promise<MessageRow | null>;
  listMessages(appId: string, filter: MessageFilter, page: PageQuery): Promise<Page<MessageRow>>;
  expungeMessagePayload(appId: string, msgId: string): Promise<void>;
  /** Drops up to `limit` payloads whose retention period has passed (a short transaction); returns how many. */
  expungeExpiredPayloads(now: number, limit: number): Promise<number>;
  /** Deletes up to `limit` attempts created before `before` (a short transaction); returns how many. */
  deleteAttemptsBefore(before: number, limit: number): Promise<number>;

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

  /**
   * Leases due deliveries (pending and due, or sending with an expired lease) to `owner`. Safe with any number of
   * concurrent claimers on one database: no delivery is handed out twice while its lease runs, and per-endpoint caps
   * and rate limits count every process's claims.
   */
  claimDueDeliveries(request: ClaimRequest): Promise<ClaimedDelivery[]>;
  /**
   * Records attempts and the resulting delivery/endpoint state, all in one transaction; a delivery changes only while
   * `context.owner` still holds its claim. Returns the attempts whose outcome switched their endpoint from enabled to
   * disabled (once per endpoint, however many were in flight).
   */
  recordOutcomes(outcomes: DeliveryOutcome[], context: OutcomeContext): Promise<AttemptRow[]>;
  /** Gives the owner's claimed deliveries back (graceful shutdown) so another worker picks them up at once. */
  releaseDeliveries(
    keys: Array<{ msgId: string; endpointId: string }>,
    now: number,
    owner: string,
  ): Promise<void>;
  /** Makes claims whose lease expired (their process died) pending again; live leases are left alone. Returns how many. */
  releaseOrphanedClaims(now: number): Promise<number>;
  /**
   * Calls `onWork` when another process queued work (PostgreSQL LISTEN/NOTIFY). Only a hint to wake early: workers
   * still poll. Resolves to a function that stops listening; SQLite has nothing to listen to.
   */
  listenForWork(onWork: () => void): Promise<() => Promise<void>>;
  /**
   * When a claim can next take something, to sleep exactly until then: the earliest due time among pending
   * deliveries and leases, or an endpoint's circuit reopening when its queue waits for that (a store may also move
   * that queue's due times to the reopening).
   */
  nextDueAt(): Promise<number | null>;

  getAttempt(appId: string, msgId: string, attemptId: string): Promise<AttemptRow | null>;
  listAttempts(appId: string, filter: AttemptFilter, page: PageQuery): Promise<Page<AttemptRow>>;
  expungeAttemptResponse(appId: string, msgId: string, attemptId: string): Promise<void>;

  insertBackgroundTask(row: BackgroundTaskRow): Promise<void>;
  getBackgroundTask(id: string): Promise<BackgroundTaskRow | null>;
  listBackgroundTasks(filter: BackgroundTaskFilter, page: PageQuery): Promise<Page<BackgroundTaskRow>>;
  /**
   * Saves status, data, cursor and updatedAt. With `owner`, only while `owner` holds the task's claim, renewing its
   * heartbeat (at `updatedAt`); false when it does not (another process took the task over).
   */
  updateBackgroundTask(row: BackgroundTaskRow, owner?: string): Promise<boolean>;
  /**
   * Running tasks that nobody holds, or whose holder's heartbeat is older than `staleBefore` (its process died),
   * oldest first. Only candidates: `claimBackgroundTask` decides who takes each.
   */
  listClaimableBackgroundTasks(staleBefore: number, limit: number): Promise<BackgroundTaskRow[]>;
  /**
   * Compare-and-set: `owner` takes the running task if nobody holds it or its holder's heartbeat is older than
   * `staleBefore`; the heartbeat becomes `now`. The task as taken (with its latest cursor), or null when it is held
   * (by another process, or by `owner` itself: a second claim never runs a task twice) or no longer running.
   */
  claimBackgroundTask(
    id: string,
    owner: string,
    now: number,
    staleBefore: number,
  ): Promise<BackgroundTaskRow | null>;
  /** Renews `owner`'s heartbeat on a running task; false when `owner` no longer holds it. */
  renewBackgroundTaskClaim(id: string, owner: string, now: number): Promise<boolean>;
  /** Gives `owner`'s claim back (a clean stop), so the next process to look takes the task at once. */
  releaseBackgroundTaskClaim(id: string, owner: string): Promise<void>;
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

  /** Records that the `outbound listen` stream of relay `url` is alive at `now` (creating its session). */
  touchRelaySession(url: string, now: number): Promise<void>;
  deleteRelaySession(url: string): Promise<void>;
  /** Sessions not renewed since `staleBefore` (their process died); returns how many were deleted. */
  deleteStaleRelaySessions(staleBefore: number): Promise<number>;
  /**
   * Endpoints whose URL starts with `urlPrefix` (relay endpoints) and whose relay session is missing or was not
   * renewed since `staleBefore`: left behind by a stream that died with its process.
   */
  listAbandonedRelayEndpoints(
    urlPrefix: string,
    staleBefore: number,
    limit: number,
  ): Promise<Array<{ appId: string; endpointId: string }>>;

  getIdempotency(key: string): Promise<IdempotencyRow | null>;
  /** Returns false if a row for the key already exists (another request got there first). */
  reserveIdempotency(key: string, requestHash: string, now: number): Promise<boolean>;
  /**
   * Takes a key over for a new request, atomically: only if its row is gone, expired (created before
   * `expiredBefore`) or abandoned (no answer, created before `abandonedBefore`). False if another request holds it.
   */
  takeOverIdempotency(
    key: string,
    requestHash: string,
    now: number,
    stale: { abandonedBefore: number; expiredBefore: number },
  ): Promise<boolean>;
  completeIdempotency(key: string, statusCode: number, body: string): Promise<void>;
  releaseIdempotency(key: string): Promise<void>;
  purgeIdempotency(olderThan: number): Promise<number>;
  /** Drops reservations that never got a response made before `olderThan` (one lease ago: their request died). */
  releaseAbandonedIdempotency(olderThan: number): Promise<number>;

  /** Throws when the database cannot be used (answers /api/v1/health with 503). */
  ping(): Promise<void>;
  /** Queue, endpoint and database counts for /metrics and /api/v1/health/details; read on demand only. */
  operationalStats(now: number): Promise<OperationalStats>;
}

export type { TriggerType };
