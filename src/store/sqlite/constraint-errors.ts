import { duplicateKeyError, type UniqueKey } from "../errors.ts";

/** SQLite names a failed unique constraint by its columns ("UNIQUE constraint failed: applications.uid"). */
const UNIQUE_KEYS: Record<string, UniqueKey> = {
  "applications.uid": "application.uid",
  "endpoints.app_id, endpoints.uid": "endpoint.uid",
  "event_types.name": "eventType.name",
  "issuers.app_id, issuers.id": "issuer.id",
  "attributes.app_id, attributes.id": "attribute",
  "attributes.app_id, attributes.label": "attribute",
  "messages.app_id, messages.event_id": "message.eventId",
  "participant_identifiers.app_id, participant_identifiers.issuer, participant_identifiers.external_id":
    "participant.identifier",
  "tokens.hash": "token.hash",
  "idempotency.key": "idempotency.key",
};

/** The one place SQLite constraint violations become typed store errors; anything else passes through (null). */
export function translateSqliteError(error: unknown): Error | null {
  const message = error instanceof Error ? error.message : "";
  const match = /UNIQUE constraint failed: (.+)$/.exec(message);
  if (!match?.[1]) return null;
  return duplicateKeyError(UNIQUE_KEYS[match[1]] ?? "other");
}
