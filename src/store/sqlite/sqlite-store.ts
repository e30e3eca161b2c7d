import { translatingErrors } from "../errors.ts";
import type { Store } from "../store.ts";
import { catalogQueries } from "./catalog-queries.ts";
import type { CheckpointMode } from "./checkpointer.ts";
import { translateSqliteError } from "./constraint-errors.ts";
import { openSqlite } from "./database.ts";
import { deliveryQueries } from "./delivery-queries.ts";
import { directoryQueries } from "./directory-queries.ts";
import { endpointQueries } from "./endpoint-queries.ts";
import { idempotencyQueries } from "./idempotency-queries.ts";
import { messageQueries } from "./message-queries.ts";
import { relayQueries } from "./relay-queries.ts";
import { statsQueries } from "./stats-queries.ts";
import { taskQueries } from "./task-queries.ts";

/**
 * The embedded store: one SQLite file in WAL mode. Several processes may open it (API processes beside the one
 * that delivers): every write transaction takes SQLite's write lock (BEGIN IMMEDIATE), so claims stay exclusive.
 */
export function createSqliteStore(
  file: string,
  options: { writeGate?: SharedArrayBuffer; checkpoints?: CheckpointMode } = {},
): Store {
  const db = openSqlite(file, options.writeGate, { checkpoints: options.checkpoints ?? "auto" });
  const store: Store = {
    // One delivering process per file (lockDatabase), and every write takes the write lock: leases counted in the
    // inserting transaction are exact.
    claimsAtInsert: true,
    async close() {
      db.close();
    },
    async listenForWork() {
      // One file, no channel: a worker in another process finds new work by polling.
      return async () => {};
    },
    ...catalogQueries(db),
    ...endpointQueries(db),
    ...messageQueries(db),
    ...deliveryQueries(db),
    ...idempotencyQueries(db),
    ...directoryQueries(db),
    ...statsQueries(db, file),
    ...taskQueries(db),
    ...relayQueries(db),
  };
  return translatingErrors(store, translateSqliteError);
}
