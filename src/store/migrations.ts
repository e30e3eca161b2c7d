import type { DatabaseConfig } from "../config.ts";
import { openStore } from "./open-store.ts";
import { sqliteMigrationStatus } from "./sqlite/database.ts";

export interface MigrationState {
  version: number;
  name: string;
  /** Epoch ms; null while pending. */
  appliedAt: number | null;
}

/** Which migrations the database has and which are pending; changes nothing. */
export async function migrationStatus(database: DatabaseConfig): Promise<MigrationState[]> {
  if (database.kind === "sqlite") return sqliteMigrationStatus(database.path);
  const { connectPostgres, postgresMigrationStatus } = await import("./postgres/database.ts");
  const sql = connectPostgres({ url: database.url, pool: 1 });
  try {
    return await postgresMigrationStatus(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Applies pending migrations (under the database's lock, so it is safe beside running processes) and closes. */
export async function applyMigrations(database: DatabaseConfig): Promise<void> {
  const store = await openStore(database);
  await store.close();
}
