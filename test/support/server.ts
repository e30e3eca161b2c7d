/**
 * Starts the real Outbound server (`node src/cli/main.ts serve`) as a child process for end-to-end tests.
 * Each server gets a fresh data directory, a free port and a random API token; its output is kept in
 * memory and only shown when a test fails (see `reportServerLogsOnFailure`).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Svix } from "svix";
import { freePort } from "../../bench/lib/free-port.ts";
import { createTestDatabase, type TestDatabase } from "./postgres.ts";

export { freePort };

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const nodeBin = path.join(repoRoot, "node_modules", ".bin", "node");
const mainScript = path.join("src", "cli", "main.ts");

const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;
const MAX_LOG_CHARS = 2_000_000;

export interface TestServer {
  /** Base URL, e.g. `http://127.0.0.1:40123` (no trailing slash). */
  readonly url: string;
  readonly token: string;
  readonly port: number;
  /** Official Svix SDK client pointed at this server with the admin token. */
  readonly svix: Svix;
  readonly dataDir: string;
  /** The current child process (a new one after `restart`). */
  readonly child: ChildProcess;
  /** Stops the child with `signal` (default SIGTERM) and waits for it to exit; a no-op if it already exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Stops the child if it still runs, then starts a new one on the same port, data dir and token. */
  restart(): Promise<void>;
  /** Everything the child processes wrote to stdout/stderr so far. */
  logs(): string;
  /** The DATABASE_URL the server uses (a SQLite file or a throwaway PostgreSQL database). */
  readonly databaseUrl: string;
}

export type StoreKind = "sqlite" | "postgres";

export interface StartOptions {
  /** Default: OUTBOUND_TEST_STORE (set by the `*.postgres.test.ts` twins), else SQLite. */
  store?: StoreKind;
  /** `serve` (API + worker, the default), `api` or `worker` (no HTTP: ready once it says it is delivering). */
  role?: "serve" | "api" | "worker";
  /** Join an existing database (another server's `databaseUrl`) instead of creating one. */
  databaseUrl?: string;
}

/** The store tests run against unless they choose: a `*.postgres.test.ts` twin sets OUTBOUND_TEST_STORE. */
export function defaultStore(): StoreKind {
  return process.env.OUTBOUND_TEST_STORE === "postgres" ? "postgres" : "sqlite";
}

/** Shared by every PostgreSQL server of this test process, so processes on one database open each other's secrets. */
const POSTGRES_ENCRYPTION_KEY = randomBytes(32).toString("hex");
const databases = new Set<TestDatabase>();

const started = new Set<TestServer>();
const childrenAlive = new Set<ChildProcess>();
const dataDirs = new Set<string>();

// Safety net: never leave a server running or a temp dir behind, even when a test file aborts.
process.once("exit", () => {
  for (const child of childrenAlive) child.kill("SIGKILL");
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) =>
        !key.startsWith("OUTBOUND_") &&
        !["PORT", "HOST", "DATABASE_URL", "LOG_LEVEL", "NODE_TEST_CONTEXT", "NODE_OPTIONS"].includes(key),
    ),
  );
  return { ...inherited, ...extra };
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Spawns `node src/cli/main.ts serve` and resolves once `GET /api/v1/health` answers 2xx.
 * `env` is merged over the defaults (e.g. `{ OUTBOUND_RETRY_SCHEDULE: "100ms,100ms" }`).
 */
export async function startServer(
  env: Record<string, string> = {},
  options: StartOptions = {},
): Promise<TestServer> {
  const port = await freePort();
  const dataDir = await mkdtemp(path.join(tmpdir(), "outbound-e2e-"));
  dataDirs.add(dataDir);
  const role = options.role ?? "serve";
  const token = env.OUTBOUND_API_TOKEN ?? `test_${randomBytes(16).toString("hex")}`;
  const url = `http://127.0.0.1:${port}`;
  let databaseUrl = options.databaseUrl;
  if (databaseUrl === undefined && (options.store ?? defaultStore()) === "postgres") {
    // An empty database: the server applies the migrations itself, as in production.
    const database = await createTestDatabase();
    databases.add(database);
    databaseUrl = database.url;
  }
  databaseUrl ??= path.join(dataDir, "outbound.db");
  const postgres = databaseUrl.startsWith("postgres");
  const fullEnv = childEnv({
    PORT: String(port),
    HOST: "127.0.0.1",
    DATABASE_URL: databaseUrl,
    // SQLite keeps its key file beside the database (shared by the processes on that file); PostgreSQL servers
    // share one key and keep their uploads in their own directory.
    ...(postgres ? { OUTBOUND_ENCRYPTION_KEY: POSTGRES_ENCRYPTION_KEY, OUTBOUND_DATA_DIR: dataDir } : {}),
    OUTBOUND_API_TOKEN: token,
    OUTBOUND_RETRY_SCHEDULE: "200ms,200ms,200ms",
    OUTBOUND_ALLOWED_SUBNETS: "127.0.0.0/8,::1/128",
    // A worker has no HTTP to ask: it is ready once it logs that it is delivering (an info line).
    LOG_LEVEL: role === "worker" ? "info" : "warn",
    ...env,
  });

  let output = "";
  const append = (chunk: Buffer) => {
    output += chunk.toString("utf8");
    if (output.length > MAX_LOG_CHARS) output = output.slice(-MAX_LOG_CHARS);
  };
  let generation = 0;

  const spawnChild = (): ChildProcess => {
    generation += 1;
    output += `\n----- outbound ${role} (start #${generation}, port ${port}) -----\n`;
    const proc = spawn(nodeBin, [mainScript, role], {
      cwd: repoRoot,
      env: fullEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    childrenAlive.add(proc);
    proc.stdout?.on("data", append);
    proc.stderr?.on("data", append);
    proc.on("error", (error) => {
      output += `\n[spawn error] ${error.message}\n`;
    });
    proc.once("exit", (code, signal) => {
      childrenAlive.delete(proc);
      output += `\n----- outbound ${role} exited (code ${code}, signal ${signal}) -----\n`;
    });
    return proc;
  };

  const waitUntilReady = async (proc: ChildProcess): Promise<void> => {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let lastProblem = "no answer yet";
    while (Date.now() < deadline) {
      if (hasExited(proc)) {
        throw new Error(`outbound ${role} exited before it was ready (${lastProblem}). Output:\n${output}`);
      }
      if (role === "worker") {
        if (output.slice(outputAtSpawn).includes("Outbound is delivering")) return;
        lastProblem = "no 'Outbound is delivering' line yet";
        await sleep(50);
        continue;
      }
      try {
        const response = await fetch(`${url}/api/v1/health`, { signal: AbortSignal.timeout(1_000) });
        await response.arrayBuffer();
        if (response.ok) return;
        lastProblem = `health answered ${response.status}`;
      } catch (error) {
        lastProblem = (error as Error).message;
      }
      await sleep(100);
    }
    proc.kill("SIGKILL");
    throw new Error(
      `outbound serve was not ready within ${READY_TIMEOUT_MS} ms (${lastProblem}). Output:\n${output}`,
    );
  };

  let outputAtSpawn = output.length;
  let child = spawnChild();

  const stop = async (signal: NodeJS.Signals = "SIGTERM"): Promise<void> => {
    if (hasExited(child)) return;
    const exited = waitForExit(child);
    child.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };

  const server: TestServer = {
    url,
    token,
    port,
    svix: new Svix(token, { serverUrl: url }),
    dataDir,
    get child() {
      return child;
    },
    stop,
    async restart() {
      await stop();
      outputAtSpawn = output.length;
      child = spawnChild();
      await waitUntilReady(child);
    },
    logs: () => output,
    databaseUrl,
  };
  started.add(server);

  try {
    await waitUntilReady(child);
  } catch (error) {
    await stop("SIGKILL");
    throw error;
  }
  return server;
}

export interface ExitedProcess {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `outbound <args>` (default `serve`) with exactly `env` (plus PATH), for tests of how a start fails or how a
 * command behaves. Resolves when it exits; a process still running after `timeoutMs` is killed and reported.
 */
export function runOutbound(
  env: Record<string, string>,
  args: string[] = ["serve"],
  options: { timeoutMs?: number; uid?: number; gid?: number } = {},
): Promise<ExitedProcess> {
  const timeoutMs = options.timeoutMs ?? READY_TIMEOUT_MS;
  const proc = spawn(nodeBin, [mainScript, ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.gid ?? options.uid }),
  });
  childrenAlive.add(proc);
  let stdout = "";
  let stderr = "";
  proc.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
  });
  proc.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const timer = setTimeout(() => {
    stderr += `\n[still running after ${timeoutMs} ms: killed by the test]\n`;
    proc.kill("SIGKILL");
  }, timeoutMs);
  return new Promise((resolve) => {
    proc.once("close", (code, signal) => {
      clearTimeout(timer);
      childrenAlive.delete(proc);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Stops every server started by this file and removes their data directories (use in `after`). */
export async function stopAllServers(): Promise<void> {
  await Promise.all([...started].map((server) => server.stop()));
  for (const server of started) {
    rmSync(server.dataDir, { recursive: true, force: true });
    dataDirs.delete(server.dataDir);
  }
  started.clear();
  for (const database of databases) await database.drop();
  databases.clear();
}

interface HookContext {
  readonly name: string;
  diagnostic(message: string): void;
}

const reportedLength = new WeakMap<TestServer, number>();

/**
 * For `afterEach`: when the test failed, print what each server wrote since the last report (its tail), so
 * the failure can be read next to the server's own account of it.
 */
export function reportServerLogsOnFailure(t: HookContext): void {
  if ((t as { passed?: boolean }).passed !== false) return;
  for (const server of started) {
    const output = server.logs();
    const from = reportedLength.get(server) ?? 0;
    reportedLength.set(server, output.length);
    const fresh = from <= output.length ? output.slice(from) : output;
    if (fresh.trim() === "") continue;
    t.diagnostic(`outbound serve on port ${server.port} wrote (tail):\n${fresh.slice(-6_000).trim()}`);
  }
}
