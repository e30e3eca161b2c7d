/**
 * Launches the real server (`node src/cli/main.ts serve`, Node 24 from node_modules) as a child process on a
 * free port with a fresh SQLite file, and guarantees it is killed again (explicit stop, or SIGKILL on exit).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./free-port.ts";
import { sleep } from "./wait.ts";

export { freePort };

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
export const nodeBin = path.join(repoRoot, "node_modules", ".bin", "node");
/** Node flags of the `start` script in package.json. */
const START_NODE_FLAGS = ((): string[] => {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as {
    scripts: { start: string };
  };
  return pkg.scripts.start.split(/\s+/).filter((word) => word.startsWith("--"));
})();
const mainScript = path.join("src", "cli", "main.ts");

// A cap for a stuck start, not a speed bound: on a loaded 2-core machine a healthy start has taken 14 s.
const READY_TIMEOUT_MS = 60_000;
const READY_POLL_MS = 25;
const STOP_TIMEOUT_MS = 5_000;
const MAX_LOG_CHARS = 200_000;

export interface ServerOptions {
  /** Extra environment, merged over the defaults (e.g. `OUTBOUND_ENDPOINT_CONCURRENCY`). */
  env?: Record<string, string>;
  /** Reuse this data directory (database + encryption key) instead of a fresh one, e.g. to restart. */
  dataDir?: string;
  /** Leave the data directory in place on stop (for a restart); it is still removed when the bench exits. */
  keepDataDir?: boolean;
  /** API token (to keep the same one across a restart); random by default. */
  token?: string;
  /** `serve` (default), `api` (no delivery) or `worker` (no HTTP: ready once it logs that it delivers). */
  role?: "serve" | "api" | "worker";
  /** Another DATABASE_URL than the data directory's SQLite file (e.g. a PostgreSQL database). */
  databaseUrl?: string;
  /** Run the server of another checkout (its src/; A/B tools); default this one. */
  root?: string;
}

export interface MemorySample {
  /** Current resident set, KiB. */
  rssKb: number;
  /** Peak resident set since the process started (VmHWM), KiB. */
  hwmKb: number;
}

export interface BenchServer {
  readonly url: string;
  readonly token: string;
  readonly pid: number;
  readonly dataDir: string;
  readonly env: Record<string, string>;
  /** Reads /proc/<pid>/status; null when the process is gone or /proc is unavailable. */
  memory(): MemorySample | null;
  logs(): string;
  /** SIGTERM (sent synchronously), then SIGKILL after a bounded wait; removes the data directory. Idempotent. */
  stop(): Promise<void>;
}

const alive = new Set<ChildProcess>();
const dirs = new Set<string>();

// Safety net: never leave a server or a temp dir behind, even when a scenario throws or the run is interrupted.
process.once("exit", () => {
  for (const child of alive) child.kill("SIGKILL");
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function inheritedEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || key.startsWith("OUTBOUND_")) continue;
    if (["PORT", "HOST", "DATABASE_URL", "LOG_LEVEL", "NODE_TEST_CONTEXT", "NODE_OPTIONS"].includes(key))
      continue;
    out[key] = value;
  }
  return out;
}

export function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export function readMemory(pid: number): MemorySample | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const field = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? Number.NaN);
    const rssKb = field("VmRSS");
    const hwmKb = field("VmHWM");
    return Number.isFinite(rssKb) && Number.isFinite(hwmKb) ? { rssKb, hwmKb } : null;
  } catch {
    return null;
  }
}

/** With BENCH_SERVER_LOG_DIR set, each server's output is written to <dir>/server-<pid>.log when it stops. */
function keepLogs(pid: number | undefined, output: string): void {
  const dir = process.env.BENCH_SERVER_LOG_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `server-${pid ?? "unknown"}.log`), output);
}

/**
 * Extra node flags for the server come from BENCH_SERVER_NODE_ARGS (space separated), e.g.
 * `BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"` to profile the server under load.
 */
function serverNodeArgs(): string[] {
  return (process.env.BENCH_SERVER_NODE_ARGS ?? "").split(/\s+/).filter(Boolean);
}

export async function startServer(options: ServerOptions = {}): Promise<BenchServer> {
  const port = await freePort();
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), "outbound-bench-"));
  dirs.add(dataDir);
  const token = options.token ?? `bench_${randomBytes(16).toString("hex")}`;
  const url = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = {
    PORT: String(port),
    HOST: "127.0.0.1",
    DATABASE_URL: options.databaseUrl ?? path.join(dataDir, "outbound.db"),
    OUTBOUND_DATA_DIR: dataDir,
    OUTBOUND_API_TOKEN: token,
    OUTBOUND_ALLOWED_SUBNETS: "127.0.0.0/8,::1/128",
    // A worker has no health route: it is ready when it logs (at info) that it is delivering.
    LOG_LEVEL: options.role === "worker" ? "info" : "warn",
    // A/B of the delivery thread in any scenario (the peers scenario runs both itself).
    ...(process.env.BENCH_WORKER_THREADS
      ? { OUTBOUND_WORKER_THREADS: process.env.BENCH_WORKER_THREADS }
      : {}),
    ...options.env,
  };
  const role = options.role ?? "serve";
  // The same V8 flags as `npm start` (package.json), so the bench measures what users run.
  const child = spawn(nodeBin, [...START_NODE_FLAGS, ...serverNodeArgs(), mainScript, role], {
    cwd: options.root ?? repoRoot,
    env: { ...inheritedEnv(), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  alive.add(child);
  let output = "";
  const append = (chunk: Buffer) => {
    output += chunk.toString("utf8");
    if (output.length > MAX_LOG_CHARS) output = output.slice(-MAX_LOG_CHARS);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  child.on("error", (error) => {
    output += `\n[spawn error] ${error.message}\n`;
  });
  child.once("exit", () => alive.delete(child));

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (!exited(child)) {
      child.kill("SIGTERM");
      if (!(await waitForExit(child, STOP_TIMEOUT_MS))) {
        child.kill("SIGKILL");
        await waitForExit(child, STOP_TIMEOUT_MS);
      }
    }
    keepLogs(child.pid, output);
    if (!options.keepDataDir) {
      rmSync(dataDir, { recursive: true, force: true });
      dirs.delete(dataDir);
    }
  };

  try {
    if (role === "worker") await workerReady(child, () => output);
    else await healthReady(child, role, port, () => output);
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    url,
    token,
    pid: child.pid ?? -1,
    dataDir,
    env,
    memory: () => (child.pid === undefined || exited(child) ? null : readMemory(child.pid)),
    logs: () => output,
    stop,
  };
}

/** A worker has no health route: it is ready once it logs (at info) that it delivers; watched as output arrives. */
function workerReady(child: ChildProcess, output: () => string): Promise<void> {
  const line = "Outbound is delivering";
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      clearTimeout(timer);
      child.stdout?.off("data", check);
      child.stderr?.off("data", check);
      child.off("exit", onExit);
      if (error) reject(error);
      else resolve();
    };
    // Listeners added after startServer's own, so output() already holds the chunk that fired them.
    const check = () => {
      if (output().includes(line)) done();
    };
    const onExit = () => done(new Error(`outbound worker exited before it was ready:\n${output()}`));
    const timer = setTimeout(
      () => done(new Error(`outbound worker not ready in ${READY_TIMEOUT_MS} ms (no '${line}' line yet)`)),
      READY_TIMEOUT_MS,
    );
    child.stdout?.on("data", check);
    child.stderr?.on("data", check);
    child.once("exit", onExit);
    if (exited(child)) onExit();
    else check();
  });
}

/**
 * `serve` and `api` log nothing at LOG_LEVEL=warn, so readiness is GET /api/v1/health answering 204. Until the port
 * listens, a bare TCP connect (refused at once, far cheaper than a failed fetch()) is tried every 25 ms: often enough
 * not to round a start up, rarely enough not to take CPU from the starting server on a loaded machine.
 */
async function healthReady(
  child: ChildProcess,
  role: string,
  port: number,
  output: () => string,
): Promise<void> {
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let problem = "no answer yet";
  for (;;) {
    if (exited(child))
      throw new Error(`outbound ${role} exited before it was ready (${problem}):\n${output()}`);
    if (Date.now() > deadline)
      throw new Error(`outbound ${role} not ready in ${READY_TIMEOUT_MS} ms (${problem})`);
    try {
      if (!(await listening(port))) {
        problem = "port not listening yet";
        await sleep(READY_POLL_MS);
        continue;
      }
      const response = await fetch(`${url}/api/v1/health`, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      if (response.status === 204) return;
      problem = `health answered ${response.status}`;
    } catch (error) {
      problem = (error as Error).message;
    }
    await sleep(READY_POLL_MS);
  }
}

/** Whether something accepts TCP connections on 127.0.0.1:`port` (the connection is closed at once). */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** Samples the child's memory every `everyMs` until `stop()`; returns the peak RSS seen and the final VmHWM. */
export function sampleMemory(server: BenchServer, everyMs = 200) {
  let peakRssKb = 0;
  let hwmKb = 0;
  const take = () => {
    const sample = server.memory();
    if (!sample) return;
    peakRssKb = Math.max(peakRssKb, sample.rssKb);
    hwmKb = Math.max(hwmKb, sample.hwmKb);
  };
  take();
  const timer = setInterval(take, everyMs);
  timer.unref();
  return {
    stop(): { peakRssMb: number; hwmMb: number } {
      take();
      clearInterval(timer);
      return { peakRssMb: peakRssKb / 1024, hwmMb: hwmKb / 1024 };
    },
  };
}
