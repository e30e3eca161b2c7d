import { statSync } from "node:fs";
import type { Store } from "../store.ts";
import type { SqliteDb } from "./database.ts";

/**
 * Health and operational counts. `ping` also checks that the file at the configured path is still the one we
 * opened: a deleted or replaced database keeps answering from the unlinked inode, and everything written from
 * then on would be lost at the next start.
 */
export function statsQueries(db: SqliteDb, file: string): Pick<Store, "ping" | "operationalStats"> {
  const opened = file === ":memory:" ? null : statSync(file);
  return {
    async ping() {
      db.prepare("SELECT count(*) FROM applications WHERE id = ''").get();
      if (opened === null) return;
      let current: ReturnType<typeof statSync>;
      try {
        current = statSync(file);
      } catch {
        throw new Error(`the database file ${file} was removed while Outbound runs`);
      }
      if (current.ino !== opened.ino || current.dev !== opened.dev) {
        throw new Error(`the database file ${file} was replaced while Outbound runs`);
      }
    },

    async operationalStats(now) {
      // Both scans use deliveries_due (status IN (1, 3)): cost grows with the backlog, not with history. Work that
      // waits for an open circuit is not due: one dead receiver must not look like a worker falling behind.
      const queue = db
        .prepare(
          `WITH waiting(id) AS (SELECT id FROM endpoints WHERE circuit_open_until > ?)
           SELECT coalesce(sum(status = 1), 0) AS pending, coalesce(sum(status = 3), 0) AS sending,
                  coalesce(sum(status = 1 AND due_at <= ? AND endpoint_id NOT IN waiting), 0) AS due,
                  min(CASE WHEN status = 1 AND due_at <= ? AND endpoint_id NOT IN waiting THEN due_at END) AS oldest
             FROM deliveries WHERE status IN (1, 3)`,
        )
        .get(now, now, now);
      const endpoints = db
        .prepare(
          `SELECT count(*) AS total, coalesce(sum(disabled), 0) AS disabled,
                  coalesce(sum(disabled = 0 AND failing_since IS NOT NULL), 0) AS failing,
                  coalesce(sum(disabled = 0 AND circuit_open_until > ?), 0) AS circuit_open
             FROM endpoints`,
        )
        .get(now);
      const pages = db.prepare("PRAGMA page_count").get();
      const pageSize = db.prepare("PRAGMA page_size").get();
      return {
        queue: {
          pending: Number(queue?.pending ?? 0),
          sending: Number(queue?.sending ?? 0),
          due: Number(queue?.due ?? 0),
          oldestDueAt: queue?.oldest === null || queue?.oldest === undefined ? null : Number(queue.oldest),
        },
        endpoints: {
          total: Number(endpoints?.total ?? 0),
          disabled: Number(endpoints?.disabled ?? 0),
          failing: Number(endpoints?.failing ?? 0),
          circuitOpen: Number(endpoints?.circuit_open ?? 0),
        },
        database: { sizeBytes: Number(pages?.page_count ?? 0) * Number(pageSize?.page_size ?? 0) },
      };
    },
  };
}
