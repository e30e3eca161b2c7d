import type { DatabaseConfig } from "../config.ts";
import type { CheckpointMode } from "./sqlite/checkpointer.ts";
import { createSqliteStore } from "./sqlite/sqlite-store.ts";
import type { Store } from "./store.ts";

/**
 * The store the configuration names; PostgreSQL connects and applies pending migrations first. SQLite only:
 * `writeGate`, the memory the connections of one process's threads share to take turns at writing (see
 * sqlite/write-gate.ts); `checkpoints`, which connection checkpoints the WAL (see sqlite/checkpointer.ts).
 */
export async function openStore(
  database: DatabaseConfig,
  options: { writeGate?: SharedArrayBuffer; checkpoints?: CheckpointMode } = {},
): Promise<Store> {
  if (database.kind === "sqlite") return createSqliteStore(database.path, options);
  const { createPostgresStore } = await import("./postgres/postgres-store.ts");
  return createPostgresStore(database);
}
