/** Rows of the participant directory. Times are epoch milliseconds. */

export type AttributeValueType = "String" | "DateTime" | "SingleChoice" | "Number" | "Boolean";

export interface AttributeChoice {
  value: string;
  label: string;
}

export interface IssuerRow {
  appId: string;
  id: string;
  description: string;
  createdAt: number;
}

export interface AttributeRow {
  appId: string;
  id: string;
  label: string;
  valueType: AttributeValueType;
  choices: AttributeChoice[] | null;
  systemDefined: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface ExternalIdentifier {
  issuer: string;
  id: string;
}

export interface ParticipantRow {
  id: string;
  appId: string;
  /** Attribute id -> value (DateTime as ISO-8601 text, Number as number, Boolean as boolean). */
  attributes: Record<string, string | number | boolean>;
  tags: string[];
  consent: { given: boolean; at: number | null; source: string | null };
  unsubscribedAt: number | null;
  externalIdentifiers: ExternalIdentifier[];
  createdAt: number;
  updatedAt: number;
}

export interface ParticipantFilter {
  tag?: string;
  attribute?: { id: string; value: string };
  issuer?: string;
  externalId?: string;
}

export type ImportState = "queued" | "running" | "completed" | "failed";

export interface ImportRowError {
  row: number;
  column: string | null;
  message: string;
}

export interface ImportRow {
  id: string;
  appId: string;
  state: ImportState;
  options: Record<string, unknown>;
  /** The uploaded CSV on disk while the job is unfinished. */
  file: string | null;
  rowsRead: number;
  created: number;
  updated: number;
  /** Rows that matched an existing participant and changed nothing. */
  unchanged: number;
  failed: number;
  errors: ImportRowError[];
  message: string | null;
  createdAt: number;
  updatedAt: number;
}

export type DistributionType = "Invitation" | "Reminder";

export interface DistributionRow {
  id: string;
  appId: string;
  distributionType: DistributionType;
  message: string;
  chatUrl: string;
  domainBrandName: string;
  audience: { tags?: string[]; attributes?: Record<string, string> };
  reminderOf: string | null;
  createdAt: number;
}

export interface RecipientRow {
  distributionId: string;
  participantId: string;
  msgId: string;
  chatId: string;
  respondedAt: number | null;
}

export interface DistributionCounts {
  targeted: number;
  pending: number;
  delivered: number;
  failed: number;
}
