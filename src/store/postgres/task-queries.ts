import { toPage } from "../keyset.ts";
import type { TaskQueries } from "../query-families.ts";
import { numOrNull, toMessage, toTask } from "../rows.ts";
import type { MessageStatus } from "../types.ts";
import type { Sql } from "./database.ts";
import { keyset } from "./keyset.ts";

/** Background tasks and the message walk that replay-missing makes. */
export function taskQueries(sql: Sql): TaskQueries {
  return {
    async insertBackgroundTask(row) {
      await sql`INSERT INTO background_tasks (id, app_id, endpoint_id, task, status, params, data, cursor, created_at,
          updated_at)
        VALUES (${row.id}, ${row.appId}, ${row.endpointId}, ${row.task}, ${row.status}, ${JSON.stringify(row.params)},
          ${JSON.stringify(row.data)}, ${row.cursor}, ${row.createdAt}, ${row.updatedAt})`;
    },
    async getBackgroundTask(id) {
      const [r] = await sql`SELECT * FROM background_tasks WHERE id = ${id}`;
      return r ? toTask(r) : null;
    },
    async listBackgroundTasks(filter, page) {
      const status = filter.status === undefined ? sql`TRUE` : sql`status = ${filter.status}`;
      const task = filter.task === undefined ? sql`TRUE` : sql`task = ${filter.task}`;
      const k = keyset(sql, "id", page);
      const rows = await sql`SELECT * FROM background_tasks WHERE ${status} AND ${task} AND ${k.where}
        ORDER BY ${k.orderBy} LIMIT ${k.limit}`;
      return toPage(rows.map(toTask), page);
    },
    async updateBackgroundTask(row, owner) {
      const data = JSON.stringify(row.data);
      const result =
        owner === undefined
          ? await sql`UPDATE background_tasks SET status = ${row.status}, data = ${data}, cursor = ${row.cursor},
              updated_at = ${row.updatedAt} WHERE id = ${row.id}`
          : await sql`UPDATE background_tasks SET status = ${row.status}, data = ${data}, cursor = ${row.cursor},
              updated_at = ${row.updatedAt}, heartbeat_at = ${row.updatedAt}
              WHERE id = ${row.id} AND claimed_by = ${owner}`;
      return result.count > 0;
    },
    async listClaimableBackgroundTasks(staleBefore, limit) {
      const rows = await sql`SELECT * FROM background_tasks
        WHERE status = 'running' AND (claimed_by IS NULL OR heartbeat_at IS NULL OR heartbeat_at < ${staleBefore})
        ORDER BY id ASC LIMIT ${limit}`;
      return rows.map(toTask);
    },
    async claimBackgroundTask(id, owner, now, staleBefore) {
      // A compare-and-set on the row: of two processes claiming at once, the second waits for the first's row lock,
      // re-reads the row (fresh heartbeat, another owner) and changes nothing.
      const [r] = await sql`UPDATE background_tasks SET claimed_by = ${owner}, heartbeat_at = ${now}
        WHERE id = ${id} AND status = 'running'
          AND (claimed_by IS NULL OR heartbeat_at IS NULL OR heartbeat_at < ${staleBefore})
        RETURNING *`;
      return r ? toTask(r) : null;
    },
    async renewBackgroundTaskClaim(id, owner, now) {
      const result = await sql`UPDATE background_tasks SET heartbeat_at = ${now}
        WHERE id = ${id} AND claimed_by = ${owner} AND status = 'running'`;
      return result.count > 0;
    },
    async releaseBackgroundTaskClaim(id, owner) {
      await sql`UPDATE background_tasks SET claimed_by = NULL, heartbeat_at = NULL
        WHERE id = ${id} AND claimed_by = ${owner}`;
    },
    async listReplayCandidates(appId, endpointId, { since, until, afterId }, limit) {
      const rows = await sql`SELECT m.*, d.status AS d_status FROM messages m
        LEFT JOIN deliveries d ON d.msg_id = m.id AND d.endpoint_id = ${endpointId}
        WHERE m.app_id = ${appId} AND m.created_at >= ${since} AND m.created_at < ${until} AND m.id > ${afterId ?? ""}
        ORDER BY m.id ASC LIMIT ${limit}`;
      return rows.map((r) => ({
        message: toMessage(r),
        status: numOrNull(r.d_status) as MessageStatus | null,
      }));
    },
  };
}
