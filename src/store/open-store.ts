import type { DatabaseConfig } from "../config.ts";
import { createSqliteStore } from "./sqlite/sqlite-store.ts";
import type { Store } from "./store.ts";

/** The store the configuration names; PostgreSQL connects and applies pending migrations first. */
export async function openStore(database: DatabaseConfig): Promise<Store> {
  if (database.kind === "sqlite") return createSqliteStore(database.path);
  const { createPostgresStore } = await import("./postgres/postgres-store.ts");
  return createPostgresStore(database);
}
