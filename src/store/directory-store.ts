import type {
  AttributeRow,
  DistributionCounts,
  DistributionRow,
  ImportRow,
  IssuerRow,
  ParticipantFilter,
  ParticipantRow,
  RecipientRow,
} from "./directory-types.ts";
import type { DeliveryRow, MessageRow, Page, PageQuery } from "./types.ts";

/** A message with its deliveries, written together. */
export interface NewMessage {
  message: MessageRow;
  deliveries: DeliveryRow[];
}

/** Directory persistence; part of Store. Batch writes are single transactions. */
export interface DirectoryStore {
  insertIssuer(row: IssuerRow): Promise<void>;
  getIssuer(appId: string, id: string): Promise<IssuerRow | null>;
  listIssuers(appId: string): Promise<IssuerRow[]>;
  deleteIssuer(appId: string, id: string): Promise<void>;

  insertAttribute(row: AttributeRow): Promise<void>;
  updateAttribute(row: AttributeRow): Promise<void>;
  listAttributes(appId: string): Promise<AttributeRow[]>;
  deleteAttribute(appId: string, id: string): Promise<void>;

  getParticipant(appId: string, id: string): Promise<ParticipantRow | null>;
  findParticipantByIdentifier(
    appId: string,
    issuer: string,
    externalId: string,
  ): Promise<ParticipantRow | null>;
  /** Many at once (CSV import batches): external id -> participant, for those that exist. */
  findParticipantsByIdentifiers(
    appId: string,
    issuer: string,
    externalIds: string[],
  ): Promise<Map<string, ParticipantRow>>;
  listParticipants(appId: string, filter: ParticipantFilter, page: PageQuery): Promise<Page<ParticipantRow>>;
  /**
   * Inserts or replaces participants (with their external identifiers) and stores the event messages, in one
   * transaction. Throws DuplicateIdentifierError if an identifier already belongs to another participant.
   * `progress`: an import job's row, written in the same transaction (as updateImport), so that a job's counts
   * never run ahead of or behind the rows it saved.
   */
  saveParticipants(participants: ParticipantRow[], events: NewMessage[], progress?: ImportRow): Promise<void>;
  deleteParticipant(appId: string, id: string): Promise<void>;

  insertImport(row: ImportRow): Promise<void>;
  updateImport(row: ImportRow): Promise<void>;
  getImport(appId: string, id: string): Promise<ImportRow | null>;
  /** An application's import jobs by id (newest first with order "desc"). */
  listImports(appId: string, page: PageQuery): Promise<Page<ImportRow>>;
  listUnfinishedImports(): Promise<ImportRow[]>;

  insertDistribution(row: DistributionRow): Promise<void>;
  getDistribution(appId: string, id: string): Promise<DistributionRow | null>;
  listDistributions(appId: string, page: PageQuery): Promise<Page<DistributionRow>>;
  /** Records recipients and stores their messages in one transaction. */
  addRecipients(recipients: RecipientRow[], messages: NewMessage[]): Promise<void>;
  listRecipients(
    distributionId: string,
    afterParticipantId: string | null,
    limit: number,
  ): Promise<RecipientRow[]>;
  markResponded(distributionId: string, participantId: string, at: number): Promise<boolean>;
  distributionCounts(distributionId: string): Promise<DistributionCounts>;
}
