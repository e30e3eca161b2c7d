import type { Store } from "../store.ts";
import { catalogQueries } from "./catalog-queries.ts";
import { openSqlite } from "./database.ts";
import { deliveryQueries } from "./delivery-queries.ts";
import { directoryQueries } from "./directory-queries.ts";
import { endpointQueries } from "./endpoint-queries.ts";
import { idempotencyQueries } from "./idempotency-queries.ts";
import { messageQueries } from "./message-queries.ts";
import { statsQueries } from "./stats-queries.ts";
import { taskQueries } from "./task-queries.ts";

/** The embedded store: one SQLite file in WAL mode, used by a single process. */
export function createSqliteStore(file: string): Store {
  const db = openSqlite(file);
  return {
    kind: "sqlite",
    async close() {
      db.raw.close();
    },
    ...catalogQueries(db),
    ...endpointQueries(db),
    ...messageQueries(db),
    ...deliveryQueries(db),
    ...idempotencyQueries(db),
    ...directoryQueries(db),
    ...statsQueries(db, file),
    ...taskQueries(db),
  };
}
