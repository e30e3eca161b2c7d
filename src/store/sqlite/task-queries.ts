import { keysetClause, toPage } from "../keyset.ts";
import type { TaskQueries } from "../query-families.ts";
import { numOrNull, toMessage, toTask } from "../rows.ts";
import type { MessageStatus } from "../types.ts";
import type { Params, SqliteDb } from "./database.ts";

/** Background tasks and the message walk that replay-missing makes. */
export function taskQueries(db: SqliteDb): TaskQueries {
  return {
    async insertBackgroundTask(row) {
      db.prepare(
        `INSERT INTO background_tasks (id, app_id, endpoint_id, task, status, params, data, cursor, created_at,
           updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        row.id,
        row.appId,
        row.endpointId,
        row.task,
        row.status,
        JSON.stringify(row.params),
        JSON.stringify(row.data),
        row.cursor,
        row.createdAt,
        row.updatedAt,
      );
    },
    async getBackgroundTask(id) {
      const r = db.prepare("SELECT * FROM background_tasks WHERE id = ?").get(id);
      return r ? toTask(r) : null;
    },
    async listBackgroundTasks(filter, page) {
      const parts: string[] = [];
      const params: Params = [];
      if (filter.status !== undefined) {
        parts.push("status = ?");
        params.push(filter.status);
      }
      if (filter.task !== undefined) {
        parts.push("task = ?");
        params.push(filter.task);
      }
      const k = keysetClause("id", page);
      const where = [...parts, k.where].join(" AND ");
      const rows = db
        .prepare(`SELECT * FROM background_tasks WHERE ${where} ORDER BY ${k.orderBy} LIMIT ?`)
        .all(...params, ...k.params, page.limit + 1);
      return toPage(rows.map(toTask), page);
    },
    async updateBackgroundTask(row, owner) {
      const set = [row.status, JSON.stringify(row.data), row.cursor, row.updatedAt] as const;
      const result =
        owner === undefined
          ? db
              .prepare(
                "UPDATE background_tasks SET status = ?, data = ?, cursor = ?, updated_at = ? WHERE id = ?",
              )
              .run(...set, row.id)
          : db
              .prepare(
                `UPDATE background_tasks SET status = ?, data = ?, cursor = ?, updated_at = ?, heartbeat_at = ?
                 WHERE id = ? AND claimed_by = ?`,
              )
              .run(...set, row.updatedAt, row.id, owner);
      return Number(result.changes) > 0;
    },
    async listClaimableBackgroundTasks(staleBefore, limit) {
      const rows = db
        .prepare(
          `SELECT * FROM background_tasks
           WHERE status = 'running' AND (claimed_by IS NULL OR heartbeat_at IS NULL OR heartbeat_at < ?)
           ORDER BY id ASC LIMIT ?`,
        )
        .all(staleBefore, limit);
      return rows.map(toTask);
    },
    async claimBackgroundTask(id, owner, now, staleBefore) {
      // One statement under SQLite's write lock: of two processes claiming at once, the second sees the first's
      // fresh heartbeat and changes nothing.
      const r = db
        .prepare(
          `UPDATE background_tasks SET claimed_by = ?, heartbeat_at = ?
           WHERE id = ? AND status = 'running'
             AND (claimed_by IS NULL OR heartbeat_at IS NULL OR heartbeat_at < ?)
           RETURNING *`,
        )
        .get(owner, now, id, staleBefore);
      return r ? toTask(r) : null;
    },
    async renewBackgroundTaskClaim(id, owner, now) {
      const result = db
        .prepare(
          "UPDATE background_tasks SET heartbeat_at = ? WHERE id = ? AND claimed_by = ? AND status = 'running'",
        )
        .run(now, id, owner);
      return Number(result.changes) > 0;
    },
    async releaseBackgroundTaskClaim(id, owner) {
      db.prepare(
        "UPDATE background_tasks SET claimed_by = NULL, heartbeat_at = NULL WHERE id = ? AND claimed_by = ?",
      ).run(id, owner);
    },
    async listReplayCandidates(appId, endpointId, { since, until, afterId }, limit) {
      const rows = db
        .prepare(
          `SELECT m.*, d.status AS d_status FROM messages m
           LEFT JOIN deliveries d ON d.msg_id = m.id AND d.endpoint_id = ?
           WHERE m.app_id = ? AND m.created_at >= ? AND m.created_at < ? AND m.id > ?
           ORDER BY m.id ASC LIMIT ?`,
        )
        .all(endpointId, appId, since, until, afterId ?? "", limit);
      return rows.map((r) => ({
        message: toMessage(r),
        status: numOrNull(r.d_status) as MessageStatus | null,
      }));
    },
  };
}
