import type { Store } from "../store.ts";
import type { Sql } from "./database.ts";

/** Health and operational counts, read on demand (never per message). */
export function statsQueries(sql: Sql): Pick<Store, "ping" | "operationalStats"> {
  return {
    async ping() {
      await sql`SELECT 1`;
    },
    async operationalStats(now) {
      // Both scans use deliveries_due (status IN (1, 3)): cost grows with the backlog, not with history. Work that
      // waits for an open circuit is not due: one dead receiver must not look like a worker falling behind.
      const [queue] = await sql`WITH waiting AS (SELECT id FROM endpoints WHERE circuit_open_until > ${now})
        SELECT count(*) FILTER (WHERE status = 1) AS pending,
          count(*) FILTER (WHERE status = 3) AS sending,
          count(*) FILTER (WHERE status = 1 AND due_at <= ${now} AND endpoint_id NOT IN (SELECT id FROM waiting)) AS due,
          min(due_at) FILTER (WHERE status = 1 AND due_at <= ${now} AND endpoint_id NOT IN (SELECT id FROM waiting))
            AS oldest
        FROM deliveries WHERE status IN (1, 3)`;
      const [endpoints] = await sql`SELECT count(*) AS total, count(*) FILTER (WHERE disabled) AS disabled,
          count(*) FILTER (WHERE NOT disabled AND failing_since IS NOT NULL) AS failing,
          count(*) FILTER (WHERE NOT disabled AND circuit_open_until > ${now}) AS circuit_open
        FROM endpoints`;
      const [size] = await sql`SELECT pg_database_size(current_database()) AS bytes`;
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
        database: { sizeBytes: size?.bytes === undefined ? null : Number(size.bytes) },
      };
    },
  };
}
