import type { AttributeRow, DistributionRow, ParticipantRow } from "../store/directory-types.ts";
import { friendlyValue } from "./attribute-values.ts";
import { findAttribute } from "./attributes.ts";

/** Pure: the participant as seed 000's payload shows it, attributes as a list with their definitions. */
export function externalParticipant(participant: ParticipantRow, definitions: AttributeRow[]) {
  const attributes = [];
  for (const [id, value] of Object.entries(participant.attributes)) {
    const definition = findAttribute(definitions, id);
    if (!definition) continue;
    const friendly = friendlyValue(definition, value);
    attributes.push({
      label: definition.label,
      valueType: definition.valueType,
      value,
      ...(friendly === undefined ? {} : { friendlyValue: friendly }),
      attribute: {
        id: definition.id,
        label: definition.label,
        systemDefined: definition.systemDefined,
        type: "PROFILE",
        valueType: definition.valueType,
      },
    });
  }
  return {
    id: participant.id,
    externalIdentifiers: participant.externalIdentifiers.map(({ id, issuer }) => ({ id, issuer })),
    attributes,
  };
}

/** Values for the message template's placeholders. */
export function templateValues(
  participant: ParticipantRow,
  definitions: AttributeRow[],
  links: { chatUrl: string; unsubscribeUrl: string },
  distribution: Pick<DistributionRow, "domainBrandName" | "distributionType">,
): Record<string, string> {
  const values: Record<string, string> = {
    chatUrl: links.chatUrl,
    unsubscribeUrl: links.unsubscribeUrl,
    domainBrandName: distribution.domainBrandName,
    distributionType: distribution.distributionType,
    "participant.id": participant.id,
  };
  for (const [id, value] of Object.entries(participant.attributes)) {
    const definition = findAttribute(definitions, id);
    if (definition)
      values[`participant.attributes.${definition.label}`] =
        friendlyValue(definition, value) ?? String(value);
  }
  for (const identifier of participant.externalIdentifiers) {
    values[`participant.externalIdentifiers.${identifier.issuer}`] = identifier.id;
  }
  return values;
}

/** `{chatId}` in the base URL is replaced; otherwise the chat id is appended as a path segment. */
export function chatLink(base: string, chatId: string): string {
  if (base.includes("{chatId}")) return base.replaceAll("{chatId}", encodeURIComponent(chatId));
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/${encodeURIComponent(chatId)}`;
  return url.toString();
}

/** Who an external distribution may reach: External recontact method, consent given, not unsubscribed, in the audience. */
export function isEligible(
  participant: ParticipantRow,
  audience: DistributionRow["audience"],
  definitions: AttributeRow[],
): boolean {
  if (participant.attributes.RecontactMethod !== "External") return false;
  if (!participant.consent.given || participant.unsubscribedAt !== null) return false;
  if (audience.tags?.some((tag) => !participant.tags.includes(tag))) return false;
  for (const [key, wanted] of Object.entries(audience.attributes ?? {})) {
    const definition = findAttribute(definitions, key);
    const value = definition ? participant.attributes[definition.id] : undefined;
    if (value === undefined || String(value) !== wanted) return false;
  }
  return true;
}
