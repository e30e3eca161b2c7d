/**
 * Throwaway PostgreSQL databases for tests: each run creates databases with random names on the machine's server
 * (127.0.0.1:5432, trust auth) and drops them afterwards, so parallel runs never collide. PostgreSQL being
 * unreachable fails the PostgreSQL tests with a clear message, unless a developer opts out locally with
 * OUTBOUND_TEST_SKIP_POSTGRES=1 (CI never does).
 */
import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { migratePostgres } from "../../src/store/postgres/database.ts";

const ADMIN_URL = process.env.OUTBOUND_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** True when the developer chose to skip the PostgreSQL half (never set in CI). */
export const skipPostgres = process.env.OUTBOUND_TEST_SKIP_POSTGRES === "1";

function urlFor(database: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

let admin: postgres.Sql | undefined;
const created = new Set<string>();

async function adminSql(): Promise<postgres.Sql> {
  if (admin) return admin;
  // idle_timeout: an idle admin connection must not keep the test process alive.
  const sql = postgres(ADMIN_URL, { max: 2, onnotice: () => {}, connect_timeout: 5, idle_timeout: 1 });
  try {
    await sql`SELECT 1`;
  } catch (error) {
    await sql.end({ timeout: 1 }).catch(() => {});
    throw new Error(
      `PostgreSQL is not reachable at ${ADMIN_URL} (${(error as Error).message}). Start it ` +
        "(`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`), point " +
        "OUTBOUND_TEST_POSTGRES_URL at another server, or opt out locally with OUTBOUND_TEST_SKIP_POSTGRES=1.",
    );
  }
  admin = sql;
  return sql;
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A new empty database (or a copy of `template`) with a random name. */
export async function createTestDatabase(template?: string): Promise<TestDatabase> {
  const sql = await adminSql();
  const name = `outbound_test_${randomBytes(6).toString("hex")}`;
  await sql.unsafe(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ""}`);
  created.add(name);
  return {
    url: urlFor(name),
    name,
    async drop() {
      created.delete(name);
      await sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

let template: Promise<TestDatabase> | undefined;

/** A fresh, fully migrated database: a copy of a template migrated once per test process (fast). */
export async function createMigratedDatabase(): Promise<TestDatabase> {
  template ??= (async () => {
    const db = await createTestDatabase();
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    await migratePostgres(sql);
    await sql.end();
    return db;
  })();
  return createTestDatabase((await template).name);
}

/** Drops every database this process created (use in a top-level `after`). */
export async function dropTestDatabases(): Promise<void> {
  if (!admin) return;
  for (const name of [...created]) await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  created.clear();
  template = undefined;
  await admin.end({ timeout: 5 });
  admin = undefined;
}
