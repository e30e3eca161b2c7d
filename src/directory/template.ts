/**
 * Distribution message templates: `{{participant.attributes.FirstName}}`, `{{chatUrl}}`, … Unknown placeholders are
 * found when the distribution is created (422), never at send time.
 */
const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

export const FIXED_PLACEHOLDERS = [
  "chatUrl",
  "unsubscribeUrl",
  "domainBrandName",
  "distributionType",
  "participant.id",
];

export function placeholdersOf(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((match) => match[1] ?? "");
}

/** Placeholders that are neither fixed nor `participant.attributes.<known label>` / `participant.externalIdentifiers.<known issuer>`. */
export function unknownPlaceholders(
  template: string,
  attributeLabels: string[],
  issuers: string[],
): string[] {
  const known = new Set([
    ...FIXED_PLACEHOLDERS,
    ...attributeLabels.map((label) => `participant.attributes.${label}`),
    ...issuers.map((issuer) => `participant.externalIdentifiers.${issuer}`),
  ]);
  return placeholdersOf(template).filter((name) => !known.has(name));
}

/** Replaces every placeholder with its value; a value the participant does not have renders as an empty string. */
export function renderTemplate(template: string, values: Record<string, string>): string {
  return template.replace(PLACEHOLDER, (_match, name: string) => values[name] ?? "");
}
