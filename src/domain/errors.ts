import { DuplicateKeyError, type UniqueKey } from "../store/errors.ts";

/** Typed domain errors; api/problem.ts maps each kind to an HTTP status exactly once. */
export interface FieldIssue {
  loc: string[];
  msg: string;
  type: string;
}

export class ValidationError extends Error {
  readonly issues: FieldIssue[];
  constructor(issues: FieldIssue[]) {
    super(issues.map((issue) => `${issue.loc.join(".")}: ${issue.msg}`).join("; "));
    this.issues = issues;
  }
  static field(loc: string[], msg: string, type = "value_error"): ValidationError {
    return new ValidationError([{ loc, msg, type }]);
  }
}

export class NotFoundError extends Error {
  constructor(what: string) {
    super(`${what} not found`);
  }
}

export class ConflictError extends Error {
  readonly code: string;
  constructor(message: string, code = "conflict") {
    super(message);
    this.code = code;
  }
}

/** A message's idempotency key, to be reserved by the write that stores it, exists already: nothing was stored. */
export class IdempotencyKeyTakenError extends Error {
  constructor() {
    super("A request with this idempotency key was made before");
  }
}

export class UnauthorizedError extends Error {}
export class ForbiddenError extends Error {}

const DUPLICATE_MESSAGES: Record<UniqueKey, string> = {
  "application.uid": "An application with this uid already exists",
  "endpoint.uid": "An endpoint with this uid already exists",
  "eventType.name": "An event type with this name already exists",
  "issuer.id": "An issuer with this id already exists",
  attribute: "An attribute with this id or label already exists",
  "message.eventId": "A message with this eventId already exists",
  "participant.identifier": "An external identifier belongs to another participant",
  "token.hash": "This token already exists",
  "idempotency.key": "A request with this idempotency key is still in progress",
  other: "This resource already exists",
};

/** A unique constraint the database enforced (perhaps against a concurrent request) is a conflict: 409. */
export function asConflict(error: unknown): unknown {
  return error instanceof DuplicateKeyError ? new ConflictError(DUPLICATE_MESSAGES[error.key]) : error;
}

/** A body or upload over a configured size limit (413). */
export class PayloadTooLargeError extends Error {}

/** A quota or rate limit was hit (429); `retryAfterSeconds` tells the client when to try again. */
export class TooManyRequestsError extends Error {
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super(message);
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds));
  }
}
