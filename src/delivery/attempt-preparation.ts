import { newId } from "../ids.ts";
import type { SecretBox } from "../secret-box.ts";
import type {
  ApplicationRow,
  AttemptRow,
  ClaimedDelivery,
  EndpointRow,
  MessageRow,
  MessageStatus,
  SentRequest,
} from "../store/types.ts";
import { openCredentials } from "../webhook/credentials.ts";
import { activeSecretKeys, hasSealedHeader, openHeaders, openSecrets } from "../webhook/endpoint-secrets.ts";
import { transformDelivery } from "./apply-transformation.ts";
import type { StopSignal } from "./attempt-stop.ts";
import { INTERRUPTED, type SendResult } from "./http-sender.ts";
import { type BuiltRequest, buildRequest, maskQueryTokens } from "./request-builder.ts";
import type { TransformationRunner } from "./transformation-thread.ts";

/** Why no request is sent for a delivery (the result recorded instead), or its transformation canceled it. */
export interface Skipped {
  skipped: SendResult;
  canceled: boolean;
}
export type Prepared = BuiltRequest | Skipped;

function skipped(text: string, failure: "network" | "interrupted" = "network"): Skipped {
  return {
    skipped: { statusCode: 0, responseText: text, retryAfter: undefined, durationMs: 0, failure },
    canceled: false,
  };
}

/** Resolves after `ms`, or at once when `stop` fires. */
function pause(ms: number, stop: StopSignal): Promise<void> {
  if (stop.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      stop.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    stop.addEventListener("abort", done, { once: true });
  });
}

export interface AttemptPreparerOptions {
  secrets: SecretBox;
  userAgent: string;
  now: () => number;
  transformations: TransformationRunner;
  /** The application of an endpoint whose transformation changed its URL (its https-only policy applies). */
  getApplication(appId: string): Promise<ApplicationRow | null>;
  /** The W3C `traceparent` of an attempt about to be sent to an endpoint that opted in (traces on), if any. */
  traceparentFor?: (msgId: string, endpointId: string) => string | undefined;
}

/**
 * What each attempt sends: the endpoint's secrets opened once per version (not per delivery), its signing keys, its
 * transformation, the request built and signed. One per worker.
 */
export function createAttemptPreparer(options: AttemptPreparerOptions): {
  prepare(claimed: ClaimedDelivery, stop: StopSignal): Prepared | Promise<Prepared>;
} {
  const { now, transformations } = options;
  // Opened secrets by their sealed text: decrypted once per endpoint version, not once per delivery.
  const openedCache = new Map<string, unknown>();
  function opened<T>(sealed: string, open: (sealed: string) => T): T {
    if (openedCache.has(sealed)) return openedCache.get(sealed) as T;
    if (openedCache.size >= 10_000) openedCache.clear();
    const value = open(sealed);
    openedCache.set(sealed, value);
    return value;
  }

  /** Active signing keys per sealed secrets text, until the first of them expires: no arrays per attempt. */
  const activeKeysCache = new Map<string, { keys: string[]; until: number }>();
  function activeKeys(sealed: string, at: number): string[] {
    const cached = activeKeysCache.get(sealed);
    if (cached !== undefined && at < cached.until) return cached.keys;
    const entries = opened(sealed, (text) => openSecrets(options.secrets, text));
    const keys = activeSecretKeys(entries, at);
    // The active set changes only when `at` reaches the next expiry still ahead.
    let until = Number.POSITIVE_INFINITY;
    for (const entry of entries)
      if (entry.expiresAt !== null && entry.expiresAt > at) until = Math.min(until, entry.expiresAt);
    if (activeKeysCache.size >= 10_000) activeKeysCache.clear();
    activeKeysCache.set(sealed, { keys, until });
    return keys;
  }

  /** The request for a delivery whose endpoint (`target`, after any transformation) and message are final. */
  function build(
    claimed: ClaimedDelivery,
    target: EndpointRow,
    message: MessageRow & { payload: string },
    sensitiveHeaders: string[],
  ): BuiltRequest {
    const { endpoint } = claimed;
    const at = now();
    return buildRequest({
      endpoint: target,
      sensitiveHeaders,
      message,
      secrets: activeKeys(endpoint.secretsSealed, at),
      credentials:
        endpoint.credentialsSealed === null
          ? null
          : opened(endpoint.credentialsSealed, (sealed) => openCredentials(options.secrets, sealed)),
      timestampSeconds: Math.floor(at / 1000),
      userAgent: options.userAgent,
      traceparent: endpoint.delivery.traceparent
        ? options.traceparentFor?.(claimed.message.id, endpoint.id)
        : undefined,
    });
  }

  /**
   * What to send for a claimed delivery, or why nothing is sent. Synchronous for the common delivery (due now, no
   * transformation): the per-attempt promises and closures of an async path were a share of the thread's garbage.
   */
  function prepare(claimed: ClaimedDelivery, stop: StopSignal): Prepared | Promise<Prepared> {
    const { endpoint, message } = claimed;
    if (endpoint.disabled) return skipped("endpoint is disabled");
    if (message.payload === null) return skipped("message payload was expunged");
    if (claimed.sendAt > now() || endpoint.transformation?.enabled) return prepareSlowly(claimed, stop);
    if (stop.aborted) return skipped(INTERRUPTED, "interrupted");
    const payloaded = message as MessageRow & { payload: string }; // checked above
    if (!hasSealedHeader(endpoint.headers)) return build(claimed, endpoint, payloaded, []);
    const headers = openHeaders(options.secrets, endpoint.headers);
    return build(claimed, { ...endpoint, headers: headers.headers }, payloaded, headers.sensitive);
  }

  /** prepare() for a delivery that waits for its rate-limit slot or runs its endpoint's transformation first. */
  async function prepareSlowly(claimed: ClaimedDelivery, stop: StopSignal): Promise<Prepared> {
    const { endpoint } = claimed;
    const payload = claimed.message.payload as string;
    // The claim gave this delivery its rate-limit slot (shared by every process on the database).
    const wait = claimed.sendAt - now();
    if (wait > 0) await pause(wait, stop);
    if (stop.aborted) return skipped(INTERRUPTED, "interrupted");
    const headers = openHeaders(options.secrets, endpoint.headers);
    const withHeaders = headers.sensitive.length === 0 ? endpoint : { ...endpoint, headers: headers.headers };
    // The endpoint's transformation, if any, runs in its sandbox thread and decides what is sent, or cancels.
    const target = await transformDelivery(transformations, withHeaders, { ...claimed.message, payload });
    if (target.kind === "error") return skipped(target.error);
    if (target.kind === "cancel")
      return { ...skipped("canceled by the endpoint's transformation"), canceled: true };
    // The application's https-only policy is the operator's: a URL set by the (tenant's) handler obeys it too.
    if (target.endpoint.url !== endpoint.url && !/^https:/i.test(target.endpoint.url)) {
      const app = await options.getApplication(endpoint.appId);
      if (app?.requireHttps) {
        return skipped(
          "the transformation's URL must use https: this application accepts only https endpoints",
        );
      }
    }
    return build(claimed, target.endpoint, target.message, headers.sensitive);
  }

  return { prepare };
}

/** The attempt log's row for one attempt (secrets in the URL's query masked, the request as sent). */
export function attemptRow(
  claimed: ClaimedDelivery,
  result: SendResult,
  sent: SentRequest | null,
  status: MessageStatus,
  at: number,
): AttemptRow {
  return {
    id: newId("atmpt", at),
    msgId: claimed.message.id,
    appId: claimed.message.appId,
    endpointId: claimed.endpoint.id,
    url: maskQueryTokens(claimed.endpoint.url),
    status,
    responseStatusCode: result.statusCode,
    response: result.responseText,
    durationMs: result.durationMs,
    triggerType: claimed.delivery.triggerType,
    createdAt: at,
    request: sent ? JSON.stringify(sent) : null,
    responseHeaders: result.responseHeaders ?? null,
  };
}
