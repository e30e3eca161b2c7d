import type {
  AttributeRow,
  DistributionRow,
  ExternalIdentifier,
  ImportRow,
  IssuerRow,
  ParticipantRow,
  RecipientRow,
} from "./directory-types.ts";
import { bool, json, jsonOrNull, numOrNull, type Raw, strOrNull } from "./rows.ts";

/** Maps raw directory rows of either store to domain rows. */

export function toIssuer(r: Raw): IssuerRow {
  return {
    appId: String(r.app_id),
    id: String(r.id),
    description: String(r.description),
    createdAt: Number(r.created_at),
  };
}

export function toAttribute(r: Raw): AttributeRow {
  return {
    appId: String(r.app_id),
    id: String(r.id),
    label: String(r.label),
    valueType: String(r.value_type) as AttributeRow["valueType"],
    choices: jsonOrNull(r.choices),
    systemDefined: bool(r.system_defined),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

export function toParticipant(r: Raw, identifiers: ExternalIdentifier[]): ParticipantRow {
  return {
    id: String(r.id),
    appId: String(r.app_id),
    attributes: json(r.attributes),
    tags: json(r.tags),
    consent: {
      given: bool(r.consent_given),
      at: numOrNull(r.consent_at),
      source: strOrNull(r.consent_source),
    },
    unsubscribedAt: numOrNull(r.unsubscribed_at),
    externalIdentifiers: identifiers,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

export function toImport(r: Raw): ImportRow {
  return {
    id: String(r.id),
    appId: String(r.app_id),
    state: String(r.state) as ImportRow["state"],
    options: json(r.options),
    file: strOrNull(r.file),
    rowsRead: Number(r.rows_read),
    created: Number(r.created),
    updated: Number(r.updated),
    unchanged: Number(r.unchanged),
    failed: Number(r.failed),
    errors: json(r.errors),
    message: strOrNull(r.message),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

export function toDistribution(r: Raw): DistributionRow {
  return {
    id: String(r.id),
    appId: String(r.app_id),
    distributionType: String(r.distribution_type) as DistributionRow["distributionType"],
    message: String(r.message),
    chatUrl: String(r.chat_url),
    domainBrandName: String(r.domain_brand_name),
    audience: json(r.audience),
    reminderOf: strOrNull(r.reminder_of),
    createdAt: Number(r.created_at),
  };
}

export function toRecipient(r: Raw): RecipientRow {
  return {
    distributionId: String(r.distribution_id),
    participantId: String(r.participant_id),
    msgId: String(r.msg_id),
    chatId: String(r.chat_id),
    respondedAt: numOrNull(r.responded_at),
  };
}
