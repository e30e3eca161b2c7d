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
import { keysetClause, toPage } from "../keyset.ts";
import type { Raw } from "../rows.ts";
import { insertRows, type Params, placeholders, runWhereIn, type SqliteDb } from "./database.ts";
import { writeMessages } from "./message-queries.ts";

/** The participants' column values, one flat list for insertRows (no array per row: imports save millions). */
function participantValues(participants: ParticipantRow[]): Params {
  const values: Params = [];
  for (const p of participants) {
    values.push(
      p.id,
      p.appId,
      JSON.stringify(p.attributes),
      JSON.stringify(p.tags),
      p.consent.given ? 1 : 0,
      p.consent.at,
      p.consent.source,
      p.unsubscribedAt,
      p.createdAt,
      p.updatedAt,
    );
  }
  return values;
}

export function directoryQueries(db: SqliteDb): DirectoryStore {
  /** Identifiers for a set of participants, in one query. */
  function identifiersOf(ids: string[]): Map<string, ExternalIdentifier[]> {
    const byParticipant = new Map<string, ExternalIdentifier[]>();
    if (ids.length === 0) return byParticipant;
    const rows = db
      .prepare(
        `SELECT participant_id, issuer, external_id FROM participant_identifiers
         WHERE participant_id IN (${placeholders(ids.length)}) ORDER BY issuer, external_id`,
      )
      .all(...ids);
    for (const r of rows) {
      const list = byParticipant.get(String(r.participant_id)) ?? [];
      list.push({ issuer: String(r.issuer), id: String(r.external_id) });
      byParticipant.set(String(r.participant_id), list);
    }
    return byParticipant;
  }

  /** The first identifier of `participants` that is held by another participant (or twice among them). */
  function takenIdentifier(participants: ParticipantRow[]): DuplicateIdentifierError | null {
    const owner = db.prepare(
      "SELECT participant_id FROM participant_identifiers WHERE app_id = ? AND issuer = ? AND external_id = ?",
    );
    const seen = new Map<string, string>();
    for (const p of participants) {
      for (const identifier of p.externalIdentifiers) {
        const key = `${p.appId}\u0000${identifier.issuer}\u0000${identifier.id}`;
        const current = seen.get(key) ?? owner.get(p.appId, identifier.issuer, identifier.id)?.participant_id;
        if (current !== undefined && String(current) !== p.id)
          return new DuplicateIdentifierError(identifier.issuer, identifier.id);
        seen.set(key, p.id);
      }
    }
    return null;
  }

  /** An import job's progress and state; callers wrap it in their transaction. */
  function writeImport(row: ImportRow): void {
    db.prepare(
      `UPDATE imports SET state = ?, file = ?, rows_read = ?, created = ?, updated = ?, unchanged = ?, failed = ?,
         errors = ?, message = ?, updated_at = ? WHERE id = ?`,
    ).run(
      row.state,
      row.file,
      row.rowsRead,
      row.created,
      row.updated,
      row.unchanged,
      row.failed,
      JSON.stringify(row.errors),
      row.message,
      row.updatedAt,
      row.id,
    );
  }

  function withIdentifiers(rows: Raw[]): ParticipantRow[] {
    const identifiers = identifiersOf(rows.map((r) => String(r.id)));
    return rows.map((r) => toParticipant(r, identifiers.get(String(r.id)) ?? []));
  }

  return {
    async insertIssuer(row) {
      db.prepare("INSERT INTO issuers (app_id, id, description, created_at) VALUES (?, ?, ?, ?)").run(
        row.appId,
        row.id,
        row.description,
        row.createdAt,
      );
    },
    async getIssuer(appId, id) {
      const r = db.prepare("SELECT * FROM issuers WHERE app_id = ? AND id = ?").get(appId, id);
      return r ? toIssuer(r) : null;
    },
    async listIssuers(appId) {
      return db.prepare("SELECT * FROM issuers WHERE app_id = ? ORDER BY id").all(appId).map(toIssuer);
    },
    async deleteIssuer(appId, id) {
      db.prepare("DELETE FROM issuers WHERE app_id = ? AND id = ?").run(appId, id);
    },

    async insertAttribute(row) {
      db.prepare(
        `INSERT INTO attributes (app_id, id, label, value_type, choices, system_defined, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        row.appId,
        row.id,
        row.label,
        row.valueType,
        row.choices === null ? null : JSON.stringify(row.choices),
        row.systemDefined ? 1 : 0,
        row.createdAt,
        row.updatedAt,
      );
    },
    async updateAttribute(row) {
      db.prepare(
        "UPDATE attributes SET label = ?, choices = ?, updated_at = ? WHERE app_id = ? AND id = ?",
      ).run(
        row.label,
        row.choices === null ? null : JSON.stringify(row.choices),
        row.updatedAt,
        row.appId,
        row.id,
      );
    },
    async listAttributes(appId) {
      return db
        .prepare("SELECT * FROM attributes WHERE app_id = ? ORDER BY created_at, id")
        .all(appId)
        .map(toAttribute);
    },
    async deleteAttribute(appId, id) {
      db.prepare("DELETE FROM attributes WHERE app_id = ? AND id = ?").run(appId, id);
    },

    async getParticipant(appId, id) {
      const r = db.prepare("SELECT * FROM participants WHERE app_id = ? AND id = ?").get(appId, id);
      return r ? (withIdentifiers([r])[0] ?? null) : null;
    },
    async findParticipantByIdentifier(appId, issuer, externalId) {
      const r = db
        .prepare(
          `SELECT p.* FROM participant_identifiers i JOIN participants p ON p.id = i.participant_id
           WHERE i.app_id = ? AND i.issuer = ? AND i.external_id = ?`,
        )
        .get(appId, issuer, externalId);
      return r ? (withIdentifiers([r])[0] ?? null) : null;
    },
    async findParticipantsByIdentifiers(appId, issuer, externalIds) {
      const found = new Map<string, ParticipantRow>();
      const unique = [...new Set(externalIds)];
      for (let start = 0; start < unique.length; start += 500) {
        const chunk = unique.slice(start, start + 500);
        const rows = db
          .prepare(
            `SELECT p.*, i.external_id AS looked_up FROM participant_identifiers i JOIN participants p ON p.id = i.participant_id
             WHERE i.app_id = ? AND i.issuer = ? AND i.external_id IN (${placeholders(chunk.length)})`,
          )
          .all(appId, issuer, ...chunk);
        const participants = withIdentifiers(rows);
        rows.forEach((r, index) => {
          const participant = participants[index];
          if (participant) found.set(String(r.looked_up), participant);
        });
      }
      return found;
    },
    async listParticipants(appId, filter, page) {
      const parts = ["p.app_id = ?"];
      const params: Params = [appId];
      if (filter.tag !== undefined) {
        parts.push("EXISTS (SELECT 1 FROM json_each(p.tags) WHERE value = ?)");
        params.push(filter.tag);
      }
      if (filter.attribute) {
        parts.push("CAST(json_extract(p.attributes, ?) AS TEXT) = ?");
        params.push(`$."${filter.attribute.id}"`, filter.attribute.value);
      }
      if (filter.issuer !== undefined || filter.externalId !== undefined) {
        const sub = ["i.participant_id = p.id"];
        if (filter.issuer !== undefined) {
          sub.push("i.issuer = ?");
          params.push(filter.issuer);
        }
        if (filter.externalId !== undefined) {
          sub.push("i.external_id = ?");
          params.push(filter.externalId);
        }
        parts.push(`EXISTS (SELECT 1 FROM participant_identifiers i WHERE ${sub.join(" AND ")})`);
      }
      const k = keysetClause("p.id", page);
      const rows = db
        .prepare(
          `SELECT p.* FROM participants p WHERE ${parts.join(" AND ")} AND ${k.where} ORDER BY ${k.orderBy} LIMIT ?`,
        )
        .all(...params, ...k.params, page.limit + 1);
      return toPage(withIdentifiers(rows), page);
    },
    async saveParticipants(participants, events, progress) {
      // Waits for the write gate without blocking the event loop (a CSV import saves thousands of batches).
      await db.transactionAsync(() => {
        insertRows(
          db,
          `INSERT INTO participants (id, app_id, attributes, tags, consent_given, consent_at, consent_source,
             unsubscribed_at, created_at, updated_at)`,
          10,
          participantValues(participants),
          `ON CONFLICT (id) DO UPDATE SET attributes = excluded.attributes, tags = excluded.tags,
             consent_given = excluded.consent_given, consent_at = excluded.consent_at,
             consent_source = excluded.consent_source, unsubscribed_at = excluded.unsubscribed_at,
             updated_at = excluded.updated_at`,
        );
        runWhereIn(
          db,
          "DELETE FROM participant_identifiers WHERE participant_id",
          participants.map((p) => p.id),
        );
        const links: Params = [];
        for (const p of participants)
          for (const identifier of p.externalIdentifiers)
            links.push(p.appId, identifier.issuer, identifier.id, p.id);
        try {
          insertRows(
            db,
            "INSERT INTO participant_identifiers (app_id, issuer, external_id, participant_id)",
            4,
            links,
          );
        } catch (error) {
          if (!/UNIQUE constraint failed/.test((error as Error).message)) throw error;
          // Their own identifiers are gone, so the key fails only for one another participant (or another row of
          // this batch) holds: name it. The transaction rolls back.
          throw takenIdentifier(participants) ?? error;
        }
        writeMessages(db, events);
        if (progress) writeImport(progress);
      });
    },
    async deleteParticipant(appId, id) {
      db.prepare("DELETE FROM participants WHERE app_id = ? AND id = ?").run(appId, id);
    },

    async insertImport(row) {
      db.prepare(
        `INSERT INTO imports (id, app_id, state, options, file, rows_read, created, updated, unchanged, failed, errors,
           message, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        row.id,
        row.appId,
        row.state,
        JSON.stringify(row.options),
        row.file,
        row.rowsRead,
        row.created,
        row.updated,
        row.unchanged,
        row.failed,
        JSON.stringify(row.errors),
        row.message,
        row.createdAt,
        row.updatedAt,
      );
    },
    async updateImport(row) {
      // Through the write gate like the batch it follows: a bare autocommit write that finds the delivery thread
      // writing would wait in SQLite's busy handler with this thread's event loop blocked.
      await db.transactionAsync(() => writeImport(row));
    },
    async getImport(appId, id) {
      const r = db.prepare("SELECT * FROM imports WHERE app_id = ? AND id = ?").get(appId, id);
      return r ? toImport(r) : null;
    },
    async listImports(appId, page) {
      const k = keysetClause("id", page);
      const rows = db
        .prepare(`SELECT * FROM imports WHERE app_id = ? AND ${k.where} ORDER BY ${k.orderBy} LIMIT ?`)
        .all(appId, ...k.params, page.limit + 1);
      return toPage(rows.map(toImport), page);
    },
    async listUnfinishedImports() {
      return db
        .prepare("SELECT * FROM imports WHERE state IN ('queued', 'running') ORDER BY id")
        .all()
        .map(toImport);
    },

    async insertDistribution(row) {
      db.prepare(
        `INSERT INTO distributions (id, app_id, distribution_type, message, chat_url, domain_brand_name, audience,
           reminder_of, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        row.id,
        row.appId,
        row.distributionType,
        row.message,
        row.chatUrl,
        row.domainBrandName,
        JSON.stringify(row.audience),
        row.reminderOf,
        row.createdAt,
      );
    },
    async getDistribution(appId, id) {
      const r = db.prepare("SELECT * FROM distributions WHERE app_id = ? AND id = ?").get(appId, id);
      return r ? toDistribution(r) : null;
    },
    async listDistributions(appId, page) {
      const k = keysetClause("id", page);
      const rows = db
        .prepare(`SELECT * FROM distributions WHERE app_id = ? AND ${k.where} ORDER BY ${k.orderBy} LIMIT ?`)
        .all(appId, ...k.params, page.limit + 1);
      return toPage(rows.map(toDistribution), page);
    },
    async addRecipients(recipients, messages) {
      db.transaction(() => {
        const insert = db.prepare(
          `INSERT INTO distribution_recipients (distribution_id, participant_id, msg_id, chat_id, responded_at)
           VALUES (?, ?, ?, ?, ?)`,
        );
        for (const r of recipients)
          insert.run(r.distributionId, r.participantId, r.msgId, r.chatId, r.respondedAt);
        writeMessages(db, messages);
      });
    },
    async listRecipients(distributionId, afterParticipantId, limit) {
      return db
        .prepare(
          `SELECT * FROM distribution_recipients WHERE distribution_id = ? AND participant_id > ?
           ORDER BY participant_id LIMIT ?`,
        )
        .all(distributionId, afterParticipantId ?? "", limit)
        .map(toRecipient);
    },
    async markResponded(distributionId, participantId, at) {
      const result = db
        .prepare(
          `UPDATE distribution_recipients SET responded_at = coalesce(responded_at, ?)
           WHERE distribution_id = ? AND participant_id = ?`,
        )
        .run(at, distributionId, participantId);
      return Number(result.changes) === 1;
    },
    async distributionCounts(distributionId) {
      const r = db
        .prepare(
          `SELECT count(DISTINCT r.participant_id) AS targeted,
             sum(CASE WHEN d.status = 0 THEN 1 ELSE 0 END) AS delivered,
             sum(CASE WHEN d.status = 2 THEN 1 ELSE 0 END) AS failed,
             sum(CASE WHEN d.status IN (1, 3) THEN 1 ELSE 0 END) AS pending
           FROM distribution_recipients r LEFT JOIN deliveries d ON d.msg_id = r.msg_id
           WHERE r.distribution_id = ?`,
        )
        .get(distributionId);
      return {
        targeted: Number(r?.targeted ?? 0),
        delivered: Number(r?.delivered ?? 0),
        failed: Number(r?.failed ?? 0),
        pending: Number(r?.pending ?? 0),
      };
    },
  };
}
