/**
 * Why a webhook was refused. The status is what a receiver should answer: 400 for a request that is not a webhook
 * at all (missing headers, unreadable body), 401 for one that does not prove it came from Outbound, 500 for a
 * receiver set up so it cannot check anything (a body parser ate the raw bytes): Outbound retries a 5xx, so the
 * deliveries survive until the setup is fixed.
 */
export type WebhookErrorReason =
  | "missing-header"
  | "invalid-timestamp"
  | "timestamp-too-old"
  | "timestamp-in-future"
  | "invalid-signature"
  | "replayed"
  | "invalid-payload"
  | "body-too-large"
  | "raw-body-unavailable";

const STATUS: Record<WebhookErrorReason, 400 | 401 | 413 | 500> = {
  "missing-header": 400,
  "invalid-timestamp": 400,
  "timestamp-too-old": 401,
  "timestamp-in-future": 401,
  "invalid-signature": 401,
  replayed: 401,
  "invalid-payload": 400,
  "body-too-large": 413,
  "raw-body-unavailable": 500,
};

export class WebhookVerificationError extends Error {
  override readonly name = "WebhookVerificationError";
  readonly reason: WebhookErrorReason;
  /** The HTTP status a receiver should answer with. */
  readonly status: 400 | 401 | 413 | 500;

  constructor(reason: WebhookErrorReason, message: string) {
    super(message);
    this.reason = reason;
    this.status = STATUS[reason];
  }
}

/** The JSON body the middlewares answer a refused webhook with: `{ "error": reason, "message": why }`. */
export function errorBody(error: WebhookVerificationError): { error: WebhookErrorReason; message: string } {
  return { error: error.reason, message: error.message };
}
