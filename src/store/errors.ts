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
