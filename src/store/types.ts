/** Rows as the domain sees them. Times are epoch milliseconds. */

export type MessageStatus = 0 | 1 | 2 | 3 | 4; // success, pending, fail, sending, canceled (Svix values)
export const STATUS_SUCCESS = 0;
export const STATUS_PENDING = 1;
export const STATUS_FAIL = 2;
export const STATUS_SENDING = 3;
/** A pending delivery cancelled (cancel-msgs): never attempted again. */
export const STATUS_CANCELED = 4;

export type TriggerType = 0 | 1; // scheduled, manual

export interface ApplicationRow {
  id: string;
  uid: string | null;
  name: string;
  metadata: Record<string, string>;
  throttleRate: number | null;
  /** Endpoints of this application must use https:// (on top of OUTBOUND_REQUIRE_HTTPS). */
  requireHttps: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface EventTypeRow {
  name: string;
  description: string;
  archived: boolean;
  deprecated: boolean;
  schemas: Record<string, unknown> | null;
  /** Hidden from app-portal tokens that carry none of these flags; null = visible to all. */
  featureFlags: string[] | null;
  groupName: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface EndpointRow {
  id: string;
  appId: string;
  uid: string | null;
  url: string;
  description: string;
  disabled: boolean;
  eventTypes: string[] | null;
  channels: string[] | null;
  metadata: Record<string, string>;
  throttleRate: number | null;
  headers: Record<string, string>;
  /** Sealed (encrypted) JSON of the endpoint's signing secrets; only the domain opens it. */
  secretsSealed: string;
  /** Written only by delivery outcomes (and reset on re-enable); API saves never overwrite it. */
  health: EndpointHealth;
  /** How requests to this endpoint are shaped; empty = Svix defaults (POST JSON, Standard Webhooks). */
  delivery: DeliveryOptions;
  /** Sealed JSON of the endpoint's Credentials, or null. */
  credentialsSealed: string | null;
  /** Svix transformation: JavaScript `handler(webhook)` run before each attempt when enabled. */
  transformation: EndpointTransformation | null;
  createdAt: number;
  updatedAt: number;
}

export interface EndpointTransformation {
  code: string;
  enabled: boolean;
  updatedAt: number;
}

export interface EndpointHealth {
  /** When the current run of failures began; null after a success. */
  failingSince: number | null;
  consecutiveFailures: number;
  /** The circuit breaker skips the endpoint until then. */
  circuitOpenUntil: number | null;
}

export type HttpMethod = "POST" | "PUT" | "PATCH" | "GET";
export type SignatureSchemeName = "standard" | "hmac-sha256-hex" | "hmac-sha256-base64" | "none";

export interface DeliveryOptions {
  method?: HttpMethod;
  bodyEncoding?: "json" | "form";
  signature?: { scheme: SignatureSchemeName; header?: string; prefix?: string };
  mapping?: {
    fields: Array<{ to: string; from?: string; value?: unknown }>;
    include?: "mapped-only" | "all";
  } | null;
  filter?: Record<string, unknown> | null;
  /** Send a W3C `traceparent` header (the attempt's span) when traces are on (OTEL_EXPORTER_OTLP_ENDPOINT). */
  traceparent?: boolean;
}

export type Credentials =
  | { type: "basic"; username: string; password: string }
  | { type: "bearer"; token: string }
  | { type: "header"; name: string; value: string }
  /** Seed 000's application keys: `x-application: <environment>-<name>` plus the key token. */
  | { type: "applicationKey"; environment: "dev" | "staging" | "prod"; name: string; key: string };

export interface MessageRow {
  id: string;
  appId: string;
  eventType: string;
  eventId: string | null;
  channels: string[] | null;
  /** The exact JSON text that is delivered; null once expunged. */
  payload: string | null;
  /** Svix tags, filterable in listings. */
  tags: string[] | null;
  /** Scheduled delivery: no attempt is made before this time (its deliveries are due then). */
  deliverAt: number | null;
  createdAt: number;
  expiresAt: number;
}

export interface DeliveryRow {
  msgId: string;
  endpointId: string;
  appId: string;
  status: MessageStatus;
  attempts: number;
  /** Pending: when the next attempt is due. Sending: when the lease expires. Null when final. */
  dueAt: number | null;
  triggerType: TriggerType;
  createdAt: number;
  updatedAt: number;
}

export interface AttemptRow {
  id: string;
  msgId: string;
  appId: string;
  endpointId: string;
  url: string;
  status: MessageStatus;
  responseStatusCode: number;
  response: string;
  durationMs: number;
  triggerType: TriggerType;
  createdAt: number;
  /** The request as sent, secrets masked (JSON of SentRequest); null for attempts made before it was kept. */
  request: string | null;
  /** The receiver's response headers as received (bounded); null when no response came or before they were kept. */
  responseHeaders: HeaderPair[] | null;
}

/** One response header: lower-case name and value, in the order received (Svix's `[name, value]` pairs). */
export type HeaderPair = [name: string, value: string];

/** What the attempt log shows of a request. */
export interface SentRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** The body when it differs from the message payload (mapping, form encoding); null for GET or the payload as is. */
  body: string | null;
}

export interface TokenRow {
  id: string;
  hash: string;
  /** null = admin token; otherwise the token only reaches this application. */
  appId: string | null;
  expiresAt: number | null;
  /** A read-only app-portal token: the API refuses its writes. */
  readOnly: boolean;
  /** Event types with a feature flag are visible to an app token only when it carries that flag. */
  featureFlags: string[];
  /** Svix's sessionId, so expire-all can target one session's tokens. */
  sessionId: string | null;
  createdAt: number;
}

/** The response an idempotency key replays, written in the same transaction as the change it answers for. */
export interface IdempotencyCompletion {
  key: string;
  statusCode: number;
  body: string;
  /**
   * The key is not reserved yet: the write inserts it, answer included, and is refused (DuplicateKeyError
   * "idempotency.key", nothing of it kept) when the key exists. One write instead of a reservation before it.
   */
  reserve?: { requestHash: string; createdAt: number };
}

export interface IdempotencyRow {
  key: string;
  requestHash: string;
  statusCode: number;
  body: string;
  createdAt: number;
}

/** Keyset pagination: `after` walks in `order`; a `before` cursor walks back (Svix's prevIterator). */
export interface PageQuery {
  limit: number;
  cursor: string | null;
  direction: "next" | "prev";
  order: "asc" | "desc";
}

export interface Page<T> {
  items: T[];
  /** True when there is nothing past the returned items in the walking direction. */
  done: boolean;
}

export interface MessageFilter {
  eventTypes?: string[];
  channel?: string;
  tag?: string;
  before?: number;
  after?: number;
}

export interface AttemptFilter extends MessageFilter {
  endpointId?: string;
  msgId?: string;
  status?: MessageStatus;
  statusCodeClass?: number;
}

export interface EndpointMessageRow {
  message: MessageRow;
  delivery: DeliveryRow;
}

export interface DeliveryWithEndpoint {
  delivery: DeliveryRow;
  endpoint: EndpointRow;
}

export interface EndpointStatsRow {
  success: number;
  pending: number;
  sending: number;
  fail: number;
  canceled: number;
}

/** Deliveries (message × endpoint) counted by application, event type, current status and time bucket. */
export interface DeliveryCountRow {
  appId: string;
  eventType: string;
  status: MessageStatus;
  /** Start of the bucket (`since` + n × bucket length) the messages were created in; null when not bucketed. */
  bucket: number | null;
  count: number;
}

export interface DeliveryCountQuery {
  /** null: every application. */
  appId: string | null;
  /** Messages created in [since, until). */
  since: number;
  until: number;
  eventTypes?: string[];
  /** Bucket length in ms, or null for one bucket. */
  bucketMs: number | null;
}

export interface ClaimRequest {
  now: number;
  limit: number;
  /** The claiming process; its claims carry this id so only it records their outcome. */
  owner: string;
  leaseMs: number;
  /** Attempts in flight per endpoint across every process (counted from live `sending` rows in the database). */
  endpointCap: number;
  /** Endpoints with at least this many consecutive failures (half-open circuit) get one attempt at a time. */
  circuitThreshold: number;
  /** A rate-limited endpoint's deliveries are claimed only while their send slot lies within this horizon. */
  rateHorizonMs: number;
  /** Endpoints not to claim for now (e.g. ones this process already has at the cap). */
  paused: readonly string[];
}

/**
 * Leases a new message's deliveries in the transaction that inserts them, for a claimer in this process (stores with
 * `claimsAtInsert`). Counted exactly as `claimDueDeliveries` counts; only deliveries that a claim would hand out at
 * once qualify (due now, endpoint enabled, circuit closed and below its failure threshold, no rate limit), and none
 * while older due work waits for a claim, which keeps first come, first served.
 */
export interface InsertClaim {
  now: number;
  owner: string;
  leaseMs: number;
  endpointCap: number;
  circuitThreshold: number;
  /** The owner's live claims never exceed this (its worker's concurrency). */
  limit: number;
}

export interface ClaimedDelivery {
  delivery: DeliveryRow;
  message: MessageRow;
  endpoint: EndpointRow;
  /** When the attempt may be sent: now, or the endpoint's next rate-limit slot (shared by every process). */
  sendAt: number;
}

/**
 * What an attempt does to its endpoint. `none`: the attempt was cut short by this process (shutdown), which says
 * nothing about the receiver: the endpoint's health and circuit breaker stay as they are, and the delivery's attempt
 * count (its place in the retry schedule) does not move.
 */
export type EndpointEffect = "success" | "failure" | "disable" | "none";

export interface DeliveryOutcome {
  attempt: AttemptRow;
  /** New state of the delivery row after this attempt. */
  status: MessageStatus;
  dueAt: number | null;
  endpointEffect: EndpointEffect;
  /** Which attempt of the delivery this was (1-based), for operational events; the store does not keep it. */
  attemptNumber?: number;
}

/** The circuit breaker's rule as data the store applies inside its transaction. */
export interface CircuitPolicy {
  /** Consecutive failures that open the circuit. */
  threshold: number;
  baseCooldownMs: number;
  maxCooldownMs: number;
}

/** Who records outcomes, when, and under which circuit rule. */
export interface OutcomeContext {
  now: number;
  /** Only claims still held by this owner change state; a late outcome after the lease moved on only logs its attempt. */
  owner: string;
  circuit: CircuitPolicy;
}

/** Svix's BackgroundTaskType values Outbound runs. */
export type BackgroundTaskKind =
  | "endpoint.recover"
  | "endpoint.replay"
  | "endpoint.bulk-replay"
  | "sdk.generate"
  | "application.stats"
  | "event-type.aggregate";
export type BackgroundTaskStatus = "running" | "finished" | "failed";

export interface BackgroundTaskRow {
  id: string;
  appId: string | null;
  endpointId: string | null;
  task: BackgroundTaskKind;
  status: BackgroundTaskStatus;
  /** What was asked (time window, filters), as given to the task. */
  params: Record<string, unknown>;
  /** Progress and result, shown as the task's `data`. */
  data: Record<string, unknown>;
  /** The last message id handled: a restarted task continues after it. */
  cursor: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface BackgroundTaskFilter {
  status?: BackgroundTaskStatus;
  task?: BackgroundTaskKind;
}

/** A message of the application with its delivery to one endpoint, if it has one (replay-missing). */
export interface ReplayCandidate {
  message: MessageRow;
  /** null: the message never went to that endpoint. */
  status: MessageStatus | null;
}
