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

/**
 * Redis's own CPU (INFO cpu: used_cpu_user + used_cpu_sys, seconds), so the BullMQ peer's CPU per message includes
 * the queue server's share. Includes any other client's load on the same Redis.
 */
export async function openRedisCpuMeter(url = REDIS_URL) {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on("error", () => {});
  await client.connect();
  return {
    async cpuSeconds(): Promise<number> {
      const info = await client.info("cpu");
      const field = (name: string) =>
        Number(new RegExp(`^${name}:([\\d.]+)`, "m").exec(info)?.[1] ?? Number.NaN);
      return field("used_cpu_user") + field("used_cpu_sys");
    },
    close: () => client.quit().then(() => undefined),
  };
}

/**
 * Deletes the keys of BullMQ queues (`bull:outbound-bench-<pid>-<hex>:…`) left by interrupted runs: on Ctrl-C the
 * peer is killed before it can obliterate its queue. Queues of runs still going are left alone.
 */
export async function dropAbandonedQueues(url = REDIS_URL): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on("error", () => {});
  await client.connect();
  try {
    let cursor = "0";
    do {
      const [next, keys] = await client.scan(cursor, "MATCH", "bull:outbound-bench-*", "COUNT", 1000);
      cursor = next;
      const abandoned = keys.filter((key) => {
        const pid = Number(/^bull:outbound-bench-(\d+)-/.exec(key)?.[1]);
        return Number.isInteger(pid) && !processAlive(pid);
      });
      if (abandoned.length > 0) await client.unlink(...abandoned);
    } while (cursor !== "0");
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

async function adminQuery(adminUrl: string, sql: string): Promise<Array<Record<string, unknown>>> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
  await client.connect();
  try {
    return (await client.query(sql)).rows as Array<Record<string, unknown>>;
  } finally {
    await client.end();
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Drops scratch databases left by bench runs that were interrupted (Ctrl-C ends the process before an async drop
 * can run): those whose `<pid>` no longer runs on this machine.
 */
async function dropAbandoned(adminUrl: string): Promise<void> {
  const rows = await adminQuery(
    adminUrl,
    "SELECT datname FROM pg_database WHERE datname LIKE 'outbound\\_bench\\_%'",
  );
  for (const { datname } of rows) {
    const pid = Number(/^outbound_bench_(\d+)_[0-9a-f]+$/.exec(String(datname))?.[1]);
    if (!Number.isInteger(pid) || processAlive(pid)) continue;
    await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${String(datname)} WITH (FORCE)`).catch(() => {});
  }
}

/** Creates `outbound_bench_<pid>_<random>` so concurrent runs never share a graphile-worker schema. */
export async function createScratchDatabase(
  adminUrl = POSTGRES_ADMIN_URL,
): Promise<Availability<ScratchDatabase>> {
  const name = `outbound_bench_${process.pid}_${randomBytes(4).toString("hex")}`;
  try {
    await dropAbandoned(adminUrl);
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
        adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).then(
          () => undefined,
          (error: unknown) => {
            process.stderr.write(`could not drop scratch database ${name}: ${(error as Error).message}\n`);
          },
        ),
    },
  };
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.toString();
}
