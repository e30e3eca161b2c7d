/**
 * The peers' backing services on 127.0.0.1: is Redis answering, and a scratch PostgreSQL database per run
 * (graphile-worker installs its schema there; the database is dropped afterwards). Each check answers with a
 * reason instead of throwing, so the peers scenario can say which peer is missing and run the others.
 */
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import pg from "pg";

export const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
/** A database to connect to for CREATE/DROP DATABASE (trust auth on this machine). */
export const POSTGRES_ADMIN_URL =
  process.env.BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

const PROBE_TIMEOUT_MS = 2_000;

export type Availability<T> = { ok: true; value: T } | { ok: false; reason: string };

/** PING over a fresh connection that neither retries nor queues commands while offline. */
export async function probeRedis(url = REDIS_URL): Promise<Availability<string>> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: PROBE_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  let lastError = "";
  client.on("error", (error: Error) => {
    lastError = error.message; // connect() itself only says "Connection is closed."
  });
  try {
    await client.connect();
    const pong = await client.ping();
    return pong === "PONG"
      ? { ok: true, value: url }
      : { ok: false, reason: `Redis at ${url} answered ${pong}` };
  } catch (error) {
    return { ok: false, reason: `Redis not reachable at ${url} (${lastError || (error as Error).message})` };
  } finally {
    client.disconnect();
  }
}

export interface ScratchDatabase {
  url: string;
  name: string;
  /** DROP DATABASE … WITH (FORCE); never throws (a leftover is reported on stderr). */
  drop(): Promise<void>;
}

async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Creates `outbound_bench_<pid>_<random>` so concurrent runs never share a graphile-worker schema. */
export async function createScratchDatabase(
  adminUrl = POSTGRES_ADMIN_URL,
): Promise<Availability<ScratchDatabase>> {
  const name = `outbound_bench_${process.pid}_${randomBytes(4).toString("hex")}`;
  try {
    await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
  } catch (error) {
    return {
      ok: false,
      reason: `PostgreSQL not usable at ${redact(adminUrl)} (${(error as Error).message})`,
    };
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    ok: true,
    value: {
      url: url.toString(),
      name,
      drop: () =>
        adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch((error: unknown) => {
          process.stderr.write(`could not drop scratch database ${name}: ${(error as Error).message}\n`);
        }),
    },
  };
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.toString();
}
