import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import postgres from "postgres";

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "migrations");
/** Any constant shared by every Outbound process: the advisory lock that serialises migrations. */
const MIGRATION_LOCK = 7_201_311;

export type Sql = postgres.Sql;
export type TransactionSql = postgres.TransactionSql;
/** A connection or transaction to run queries on. */
export type Queryable = Sql | TransactionSql;

export interface PostgresOptions {
  /** postgres://user:pass@host:port/db?sslmode=require… — TLS and other URL options pass through to the driver. */
  url: string;
  /** Most connections this process opens. */
  pool: number;
}

export function connectPostgres(options: PostgresOptions): Sql {
  return postgres(options.url, {
    max: options.pool,
    onnotice: () => {},
    // Times (epoch ms) and counts fit a JS number exactly; the driver would otherwise return BIGINT as text.
    types: {
      bigint: { to: 20, from: [20], parse: (x: string) => Number(x), serialize: (x: number) => String(x) },
    },
    connection: { application_name: "outbound" },
  });
}

export interface MigrationStatus {
  version: number;
  name: string;
  appliedAt: number | null;
}

function migrationFiles(): Array<{ version: number; name: string }> {
  return fs
    .readdirSync(MIGRATIONS_DIR)
    .filter((name) => /^\d+_.*\.sql$/.test(name))
    .sort()
    .map((name) => ({ version: Number.parseInt(name, 10), name }));
}

/**
 * Applies pending numbered migrations, each in its own transaction, under a session advisory lock: several
 * processes may start at once, one migrates and the others wait, then find nothing left to do.
 */
export async function migratePostgres(sql: Sql, now: () => number = Date.now): Promise<number[]> {
  const applied: number[] = [];
  await sql.reserve().then(async (connection) => {
    try {
      await connection`SELECT pg_advisory_lock(${MIGRATION_LOCK})`;
      await connection`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`;
      const done = new Set(
        (await connection`SELECT version FROM schema_migrations`).map((r) => Number(r.version)),
      );
      for (const file of migrationFiles()) {
        if (done.has(file.version)) continue;
        const text = fs.readFileSync(path.join(MIGRATIONS_DIR, file.name), "utf8");
        await connection.unsafe("BEGIN");
        try {
          await connection.unsafe(text);
          await connection`INSERT INTO schema_migrations (version, applied_at) VALUES (${file.version}, ${now()})`;
          await connection.unsafe("COMMIT");
        } catch (error) {
          await connection.unsafe("ROLLBACK");
          throw error;
        }
        applied.push(file.version);
      }
    } finally {
      await connection`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`.catch(() => {});
      connection.release();
    }
  });
  return applied;
}

/** Every migration this build knows, and when each was applied (null = pending). */
export async function postgresMigrationStatus(sql: Sql): Promise<MigrationStatus[]> {
  const exists = await sql`SELECT to_regclass('schema_migrations') AS t`;
  const rows = exists[0]?.t ? await sql`SELECT version, applied_at FROM schema_migrations` : [];
  const applied = new Map(rows.map((r) => [Number(r.version), Number(r.applied_at)]));
  return migrationFiles().map((file) => ({ ...file, appliedAt: applied.get(file.version) ?? null }));
}
