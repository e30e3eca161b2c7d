import { translatingErrors } from "../errors.ts";
import type { Store } from "../store.ts";
import { catalogQueries } from "./catalog-queries.ts";
import { translatePostgresError } from "./constraint-errors.ts";
import { connectPostgres, migratePostgres, type PostgresOptions } from "./database.ts";
import { deliveryQueries } from "./delivery-queries.ts";
import { directoryQueries } from "./directory-queries.ts";
import { endpointQueries } from "./endpoint-queries.ts";
import { idempotencyQueries } from "./idempotency-queries.ts";
import { messageQueries } from "./message-queries.ts";
import { WORK_CHANNEL } from "./message-writes.ts";
import { relayQueries } from "./relay-queries.ts";
import { statsQueries } from "./stats-queries.ts";
import { taskQueries } from "./task-queries.ts";

/**
 * The shared store: one PostgreSQL database for any number of processes. Connects with a pool of `pool`
 * connections and applies pending migrations (under an advisory lock) before it answers.
 */
export async function createPostgresStore(options: PostgresOptions): Promise<Store> {
  const sql = connectPostgres(options);
  try {
    await migratePostgres(sql);
  } catch (error) {
    await sql.end({ timeout: 1 });
    throw error;
  }
  const store: Store = {
    // Several processes claim: a lease taken in an uncommitted insert is invisible to the others' cap counts.
    claimsAtInsert: false,
    async close() {
      await sql.end({ timeout: 5 });
    },
    async listenForWork(onWork) {
      // A hint only: a notification lost while reconnecting delays work until the next poll, never loses it.
      const { unlisten } = await sql.listen(WORK_CHANNEL, () => onWork());
      return unlisten;
    },
    ...catalogQueries(sql),
    ...endpointQueries(sql),
    ...messageQueries(sql),
    ...deliveryQueries(sql),
    ...idempotencyQueries(sql),
    ...directoryQueries(sql),
    ...taskQueries(sql),
    ...relayQueries(sql),
    ...statsQueries(sql),
  };
  return translatingErrors(store, translatePostgresError);
}
