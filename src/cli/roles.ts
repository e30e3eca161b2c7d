import type { Role } from "../app.ts";
import type { Config } from "../config.ts";
import { applyMigrations, migrationStatus } from "../store/migrations.ts";

export const ROLE_USAGE: Record<Role | "migrate", string> = {
  serve: `Usage: outbound serve

Runs the API, the delivery worker and housekeeping in one process (what \`npm start\` runs).
Stops on SIGTERM or SIGINT: attempts in flight get OUTBOUND_SHUTDOWN_GRACE to finish.
With SQLite exactly one delivering process (serve or worker) may use a database file; with PostgreSQL
(DATABASE_URL=postgres://…) run as many as you like.
Configuration comes from the environment (PORT, DATABASE_URL, OUTBOUND_API_TOKEN, …); see docs/operations.md.`,
  api: `Usage: outbound api

The HTTP API only: accepts messages and answers reads; delivers nothing. Run any number of them beside the
delivering processes (\`outbound worker\` or \`outbound serve\`) on the same database.`,
  worker: `Usage: outbound worker

Delivery only (no HTTP port): claims due deliveries with a lease, sends them, records the attempts. On PostgreSQL
run any number; each claims its own batches and per-endpoint limits hold across all of them.`,
  migrate: `Usage: outbound migrate [--status]

Applies pending database migrations and exits (safe while other processes run: migrations take a lock).
--status lists every migration with the time it was applied, or "pending", and changes nothing.`,
};

/** `outbound migrate [--status]`; returns the exit code. */
export async function runMigrate(
  args: string[],
  config: Config,
  out: NodeJS.WritableStream,
): Promise<number> {
  const unknown = args.filter((arg) => arg !== "--status");
  if (unknown.length > 0) {
    out.write(`Unknown option ${unknown[0]}.\n\n${ROLE_USAGE.migrate}\n`);
    return 2;
  }
  if (!args.includes("--status")) await applyMigrations(config.database);
  const states = await migrationStatus(config.database);
  for (const state of states) {
    const when = state.appliedAt === null ? "pending" : `applied ${new Date(state.appliedAt).toISOString()}`;
    out.write(`${state.name.padEnd(40)} ${when}\n`);
  }
  const pending = states.filter((state) => state.appliedAt === null).length;
  out.write(pending === 0 ? "Database is up to date.\n" : `${pending} migration(s) pending.\n`);
  return 0;
}
