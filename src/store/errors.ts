/** Raised inside an atomic store write when a message's eventId already exists in its application. */
export class DuplicateEventIdError extends Error {
  constructor() {
    super("duplicate eventId");
  }
}

/** An external identifier (issuer + id) already belongs to another participant of the application. */
export class DuplicateIdentifierError extends Error {
  readonly issuer: string;
  readonly externalId: string;
  constructor(issuer: string, externalId: string) {
    super(`external identifier ${issuer}:${externalId} already belongs to another participant`);
    this.issuer = issuer;
    this.externalId = externalId;
  }
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
