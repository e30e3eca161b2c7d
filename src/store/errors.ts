/** Raised inside an atomic store write when a message's eventId already exists in its application. */
export class DuplicateEventIdError extends Error {
  constructor() {
    super("duplicate eventId");
  }
}
