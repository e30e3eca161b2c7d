import {
  toAttribute,
  toDistribution,
  toImport,
  toIssuer,
  toParticipant,
  toRecipient,
} from "../directory-rows.ts";
import type { DirectoryStore } from "../directory-store.ts";
import type { ExternalIdentifier, ImportRow, ParticipantRow } from "../directory-types.ts";
import { DuplicateIdentifierError } from "../errors.ts";
import { toPage } from "../keyset.ts";
import type { Raw } from "../rows.ts";
import type { Queryable, Sql } from "./database.ts";
import { keyset } from "./keyset.ts";
import { writeMessages } from "./message-writes.ts";

function importColumns(row: ImportRow) {
  return {
    state: row.state,
    file: row.file,
    rows_read: row.rowsRead,
    created: row.created,
    updated: row.updated,
    unchanged: row.unchanged,
    failed: row.failed,
    errors: JSON.stringify(row.errors),
    message: row.message,
    updated_at: row.updatedAt,
  };
}

function participantColumns(p: ParticipantRow) {
  return {
    id: p.id,
    app_id: p.appId,
    attributes: JSON.stringify(p.attributes),
    tags: JSON.stringify(p.tags),
    consent_given: p.consent.given,
    consent_at: p.consent.at,
    consent_source: p.consent.source,
    unsubscribed_at: p.unsubscribedAt,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
  };
}

export function directoryQueries(sql: Sql): DirectoryStore {
  /** Identifiers for a set of participants, in one query. */
  async function withIdentifiers(tx: Queryable, rows: readonly Raw[]): Promise<ParticipantRow[]> {
    const byParticipant = new Map<string, ExternalIdentifier[]>();
    if (rows.length > 0) {
      const ids = rows.map((r) => String(r.id));
      const found = await tx`SELECT participant_id, issuer, external_id FROM participant_identifiers
        WHERE participant_id = ANY(${ids}::text[]) ORDER BY issuer, external_id`;
      for (const r of found) {
        const list = byParticipant.get(String(r.participant_id)) ?? [];
        list.push({ issuer: String(r.issuer), id: String(r.external_id) });
        byParticipant.set(String(r.participant_id), list);
      }
    }
    return rows.map((r) => toParticipant(r, byParticipant.get(String(r.id)) ?? []));
  }

  return {
    async insertIssuer(row) {
      await sql`INSERT INTO issuers (app_id, id, description, created_at)
        VALUES (${row.appId}, ${row.id}, ${row.description}, ${row.createdAt})`;
    },
    async getIssuer(appId, id) {
      const [r] = await sql`SELECT * FROM issuers WHERE app_id = ${appId} AND id = ${id}`;
      return r ? toIssuer(r) : null;
    },
    async listIssuers(appId) {
      return (await sql`SELECT * FROM issuers WHERE app_id = ${appId} ORDER BY id`).map(toIssuer);
    },
    async deleteIssuer(appId, id) {
      await sql`DELETE FROM issuers WHERE app_id = ${appId} AND id = ${id}`;
    },

    async insertAttribute(row) {
      await sql`INSERT INTO attributes (app_id, id, label, value_type, choices, system_defined, created_at, updated_at)
        VALUES (${row.appId}, ${row.id}, ${row.label}, ${row.valueType},
          ${row.choices === null ? null : JSON.stringify(row.choices)}, ${row.systemDefined}, ${row.createdAt}, ${row.updatedAt})`;
    },
    async updateAttribute(row) {
      await sql`UPDATE attributes SET label = ${row.label},
        choices = ${row.choices === null ? null : JSON.stringify(row.choices)}, updated_at = ${row.updatedAt}
        WHERE app_id = ${row.appId} AND id = ${row.id}`;
    },
    async listAttributes(appId) {
      return (await sql`SELECT * FROM attributes WHERE app_id = ${appId} ORDER BY created_at, id`).map(
        toAttribute,
      );
    },
    async deleteAttribute(appId, id) {
      await sql`DELETE FROM attributes WHERE app_id = ${appId} AND id = ${id}`;
    },

    async getParticipant(appId, id) {
      const rows = await sql`SELECT * FROM participants WHERE app_id = ${appId} AND id = ${id}`;
      return (await withIdentifiers(sql, rows))[0] ?? null;
    },
    async findParticipantByIdentifier(appId, issuer, externalId) {
      const rows =
        await sql`SELECT p.* FROM participant_identifiers i JOIN participants p ON p.id = i.participant_id
        WHERE i.app_id = ${appId} AND i.issuer = ${issuer} AND i.external_id = ${externalId}`;
      return (await withIdentifiers(sql, rows))[0] ?? null;
    },
    async findParticipantsByIdentifiers(appId, issuer, externalIds) {
      const found = new Map<string, ParticipantRow>();
      const unique = [...new Set(externalIds)];
      for (let start = 0; start < unique.length; start += 5_000) {
        const chunk = unique.slice(start, start + 5_000);
        const rows = await sql`SELECT p.*, i.external_id AS looked_up FROM participant_identifiers i
          JOIN participants p ON p.id = i.participant_id
          WHERE i.app_id = ${appId} AND i.issuer = ${issuer} AND i.external_id = ANY(${chunk}::text[])`;
        const participants = await withIdentifiers(sql, rows);
        rows.forEach((r, index) => {
          const participant = participants[index];
          if (participant) found.set(String(r.looked_up), participant);
        });
      }
      return found;
    },
    async listParticipants(appId, filter, page) {
      let where = sql`p.app_id = ${appId}`;
      if (filter.tag !== undefined) where = sql`${where} AND p.tags::jsonb ? ${filter.tag}`;
      if (filter.attribute) {
        where = sql`${where} AND (p.attributes::jsonb ->> ${filter.attribute.id}) = ${filter.attribute.value}`;
      }
      if (filter.issuer !== undefined || filter.externalId !== undefined) {
        const issuer = filter.issuer === undefined ? sql`TRUE` : sql`i.issuer = ${filter.issuer}`;
        const externalId =
          filter.externalId === undefined ? sql`TRUE` : sql`i.external_id = ${filter.externalId}`;
        where = sql`${where} AND EXISTS (SELECT 1 FROM participant_identifiers i
          WHERE i.participant_id = p.id AND ${issuer} AND ${externalId})`;
      }
      const k = keyset(sql, "p.id", page);
      const rows = await sql`SELECT p.* FROM participants p WHERE ${where} AND ${k.where}
        ORDER BY ${k.orderBy} LIMIT ${k.limit}`;
      return toPage(await withIdentifiers(sql, rows), page);
    },
    async saveParticipants(participants, events, progress) {
      await sql.begin(async (tx) => {
        // Checked inside the transaction for a clear error, in one query for all the identifiers; a concurrent writer
        // that slips past still fails on the primary key, which the store translates to the same error.
        const wanted = participants.flatMap((p) =>
          p.externalIdentifiers.map((identifier) => ({ p, identifier })),
        );
        const owners = new Map<string, string>();
        for (let start = 0; start < wanted.length; start += 4_000) {
          const chunk = wanted.slice(start, start + 4_000);
          const rows = await tx`SELECT i.app_id, i.issuer, i.external_id, i.participant_id
            FROM participant_identifiers i
            JOIN unnest(${chunk.map(({ p }) => p.appId)}::text[], ${chunk.map(({ identifier }) => identifier.issuer)}::text[],
              ${chunk.map(({ identifier }) => identifier.id)}::text[]) AS w(app_id, issuer, external_id)
              ON i.app_id = w.app_id AND i.issuer = w.issuer AND i.external_id = w.external_id`;
          for (const r of rows)
            owners.set(`${r.app_id}\u0000${r.issuer}\u0000${r.external_id}`, String(r.participant_id));
        }
        for (const { p, identifier } of wanted) {
          const owner = owners.get(`${p.appId}\u0000${identifier.issuer}\u0000${identifier.id}`);
          if (owner !== undefined && owner !== p.id)
            throw new DuplicateIdentifierError(identifier.issuer, identifier.id);
        }
        for (let start = 0; start < participants.length; start += 4_000) {
          const chunk = participants.slice(start, start + 4_000);
          await tx`INSERT INTO participants ${tx(chunk.map(participantColumns))}
            ON CONFLICT (id) DO UPDATE SET attributes = excluded.attributes, tags = excluded.tags,
              consent_given = excluded.consent_given, consent_at = excluded.consent_at,
              consent_source = excluded.consent_source, unsubscribed_at = excluded.unsubscribed_at,
              updated_at = excluded.updated_at`;
          await tx`DELETE FROM participant_identifiers WHERE participant_id = ANY(${chunk.map((p) => p.id)}::text[])`;
          const links = chunk.flatMap((p) =>
            p.externalIdentifiers.map((i) => ({
              app_id: p.appId,
              issuer: i.issuer,
              external_id: i.id,
              participant_id: p.id,
            })),
          );
          if (links.length > 0) await tx`INSERT INTO participant_identifiers ${tx(links)}`;
        }
        await writeMessages(tx, events);
        if (progress) await tx`UPDATE imports SET ${tx(importColumns(progress))} WHERE id = ${progress.id}`;
      });
    },
    async deleteParticipant(appId, id) {
      await sql`DELETE FROM participants WHERE app_id = ${appId} AND id = ${id}`;
    },

    async insertImport(row) {
      await sql`INSERT INTO imports ${sql({
        ...importColumns(row),
        id: row.id,
        app_id: row.appId,
        options: JSON.stringify(row.options),
        created_at: row.createdAt,
      })}`;
    },
    async updateImport(row) {
      await sql`UPDATE imports SET ${sql(importColumns(row))} WHERE id = ${row.id}`;
    },
    async getImport(appId, id) {
      const [r] = await sql`SELECT * FROM imports WHERE app_id = ${appId} AND id = ${id}`;
      return r ? toImport(r) : null;
    },
    async listImports(appId, page) {
      const k = keyset(sql, "id", page);
      const rows = await sql`SELECT * FROM imports WHERE app_id = ${appId} AND ${k.where}
        ORDER BY ${k.orderBy} LIMIT ${k.limit}`;
      return toPage(rows.map(toImport), page);
    },
    async listUnfinishedImports() {
      return (await sql`SELECT * FROM imports WHERE state IN ('queued', 'running') ORDER BY id`).map(
        toImport,
      );
    },

    async insertDistribution(row) {
      await sql`INSERT INTO distributions (id, app_id, distribution_type, message, chat_url, domain_brand_name, audience,
          reminder_of, created_at)
        VALUES (${row.id}, ${row.appId}, ${row.distributionType}, ${row.message}, ${row.chatUrl}, ${row.domainBrandName},
          ${JSON.stringify(row.audience)}, ${row.reminderOf}, ${row.createdAt})`;
    },
    async getDistribution(appId, id) {
      const [r] = await sql`SELECT * FROM distributions WHERE app_id = ${appId} AND id = ${id}`;
      return r ? toDistribution(r) : null;
    },
    async listDistributions(appId, page) {
      const k = keyset(sql, "id", page);
      const rows = await sql`SELECT * FROM distributions WHERE app_id = ${appId} AND ${k.where}
        ORDER BY ${k.orderBy} LIMIT ${k.limit}`;
      return toPage(rows.map(toDistribution), page);
    },
    async addRecipients(recipients, messages) {
      await sql.begin(async (tx) => {
        for (let start = 0; start < recipients.length; start += 4_000) {
          const chunk = recipients.slice(start, start + 4_000).map((r) => ({
            distribution_id: r.distributionId,
            participant_id: r.participantId,
            msg_id: r.msgId,
            chat_id: r.chatId,
            responded_at: r.respondedAt,
          }));
          await tx`INSERT INTO distribution_recipients ${tx(chunk)}`;
        }
        await writeMessages(tx, messages);
      });
    },
    async listRecipients(distributionId, afterParticipantId, limit) {
      const rows = await sql`SELECT * FROM distribution_recipients WHERE distribution_id = ${distributionId}
        AND participant_id > ${afterParticipantId ?? ""} ORDER BY participant_id LIMIT ${limit}`;
      return rows.map(toRecipient);
    },
    async markResponded(distributionId, participantId, at) {
      const result = await sql`UPDATE distribution_recipients SET responded_at = coalesce(responded_at, ${at})
        WHERE distribution_id = ${distributionId} AND participant_id = ${participantId}`;
      return result.count === 1;
    },
    async distributionCounts(distributionId) {
      const [r] = await sql`SELECT count(DISTINCT r.participant_id) AS targeted,
          coalesce(sum(CASE WHEN d.status = 0 THEN 1 ELSE 0 END), 0) AS delivered,
          coalesce(sum(CASE WHEN d.status = 2 THEN 1 ELSE 0 END), 0) AS failed,
          coalesce(sum(CASE WHEN d.status IN (1, 3) THEN 1 ELSE 0 END), 0) AS pending
        FROM distribution_recipients r LEFT JOIN deliveries d ON d.msg_id = r.msg_id
        WHERE r.distribution_id = ${distributionId}`;
      return {
        targeted: Number(r?.targeted ?? 0),
        delivered: Number(r?.delivered ?? 0),
        failed: Number(r?.failed ?? 0),
        pending: Number(r?.pending ?? 0),
      };
    },
  };
}
