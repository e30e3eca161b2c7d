import { duplicateKeyError, type UniqueKey } from "../errors.ts";

/** Unique constraints by the names the migrations give them. */
const UNIQUE_KEYS: Record<string, UniqueKey> = {
  applications_uid_key: "application.uid",
  endpoints_app_uid_key: "endpoint.uid",
  event_types_pkey: "eventType.name",
  issuers_pkey: "issuer.id",
  attributes_pkey: "attribute",
  attributes_label_key: "attribute",
  messages_event_id_key: "message.eventId",
  participant_identifiers_pkey: "participant.identifier",
  tokens_hash_key: "token.hash",
  idempotency_pkey: "idempotency.key",
};

interface PostgresError {
  code?: string;
  constraint_name?: string;
  detail?: string;
}

/** The one place PostgreSQL constraint violations become typed store errors; anything else passes through (null). */
export function translatePostgresError(error: unknown): Error | null {
  const e = error as PostgresError;
  if (e?.code !== "23505") return null; // unique_violation
  const key = UNIQUE_KEYS[e.constraint_name ?? ""] ?? "other";
  // "Key (app_id, issuer, external_id)=(app_1, crm, c2) already exists." names the identifier.
  const values = /=\(([^,]*), ([^,]*), (.*)\) already exists/.exec(e.detail ?? "");
  return duplicateKeyError(
    key,
    values ? { issuer: values[2] ?? "?", externalId: values[3] ?? "?" } : undefined,
  );
}
