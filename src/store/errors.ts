/** What a unique constraint protects; each store maps its constraint violations to these in one place. */
export type UniqueKey =
  | "application.uid"
  | "endpoint.uid"
  | "eventType.name"
  | "issuer.id"
  | "attribute"
  | "message.eventId"
  | "participant.identifier"
  | "token.hash"
  | "idempotency.key"
  | "other";

/** A write hit a unique constraint: another writer (perhaps in another process) got there first. */
export class DuplicateKeyError extends Error {
  readonly key: UniqueKey;
  constructor(key: UniqueKey, message = `duplicate ${key}`) {
    super(message);
    this.key = key;
  }
}

/** A message's eventId already exists in its application. */
export class DuplicateEventIdError extends DuplicateKeyError {
  constructor() {
    super("message.eventId", "duplicate eventId");
  }
}

/** An external identifier (issuer + id) already belongs to another participant of the application. */
export class DuplicateIdentifierError extends DuplicateKeyError {
  readonly issuer: string;
  readonly externalId: string;
  constructor(issuer: string, externalId: string) {
    super(
      "participant.identifier",
      `external identifier ${issuer}:${externalId} already belongs to another participant`,
    );
    this.issuer = issuer;
    this.externalId = externalId;
  }
}

/** The typed error for a unique key; `identifier` carries the values when the database reported them. */
export function duplicateKeyError(
  key: UniqueKey,
  identifier?: { issuer: string; externalId: string },
): Error {
  if (key === "message.eventId") return new DuplicateEventIdError();
  if (key === "participant.identifier")
    return new DuplicateIdentifierError(identifier?.issuer ?? "?", identifier?.externalId ?? "?");
  return new DuplicateKeyError(key);
}

/**
 * Wraps every method of a store so database errors are translated in one place: `translate` returns the typed
 * error for a constraint violation, or null to let the original error through.
 */
export function translatingErrors<T extends object>(
  store: T,
  translate: (error: unknown) => Error | null,
): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(store)) {
    if (typeof value !== "function") {
      wrapped[name] = value;
      continue;
    }
    const method = value as (...args: unknown[]) => Promise<unknown>;
    wrapped[name] = (...args: unknown[]) =>
      method.apply(store, args).catch((error: unknown) => {
        throw translate(error) ?? error;
      });
  }
  return wrapped as T;
}

/** Another process holds the database's lock: it is already running Outbound on the same file. */
export class DatabaseLockedError extends Error {
  readonly databasePath: string;
  /** The holder's pid as it recorded it; null if it could not be read. */
  readonly pid: number | null;
  constructor(databasePath: string, pid: number | null) {
    super(`${databasePath} is in use by another Outbound process${pid === null ? "" : ` (pid ${pid})`}`);
    this.databasePath = databasePath;
    this.pid = pid;
  }
}
