import type { DatabaseConfig } from "../config.ts";
import { createSqliteStore } from "./sqlite/sqlite-store.ts";
import type { Store } from "./store.ts";

/**
 * The store the configuration names; PostgreSQL connects and applies pending migrations first. `writeGate`: the
 * memory SQLite connections of one process's threads share to take turns at writing (see sqlite/write-gate.ts).
 */
export async function openStore(
  database: DatabaseConfig,
  options: { writeGate?: SharedArrayBuffer } = {},
): Promise<Store> {
  if (database.kind === "sqlite") return createSqliteStore(database.path, options.writeGate);
  const { createPostgresStore } = await import("./postgres/postgres-store.ts");
  return createPostgresStore(database);
}
