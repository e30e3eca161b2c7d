import { availableParallelism } from "node:os";
import path from "node:path";
import { z } from "zod";
import { parseDuration, parseRetrySchedule } from "./duration.ts";
import { createAddressPolicy } from "./webhook/address-policy.ts";

export const DEFAULT_RETRY_SCHEDULE = "5s,5m,30m,2h,5h,10h,10h";

export interface Config {
  /** This process's `--max-semi-space-size` (command line or NODE_OPTIONS), if any: the delivery thread sizes its own. */
  semiSpaceMb: number | undefined;
  port: number;
  host: string;
  /** Where the data lives: a SQLite file (one machine) or a PostgreSQL database (any number of processes). */
  database: DatabaseConfig;
  /** Encryption key file (when OUTBOUND_ENCRYPTION_KEY is unset) and uploaded CSV files. */
  dataDir: string;
  /** How long a claimed delivery (or an idempotency reservation) stays with its process before others may take it. */
  leaseMs: number;
  /** Attempts (the delivery log) older than this are deleted by the retention job. */
  attemptRetentionMs: number;
  apiToken: string | undefined;
  retryScheduleMs: number[];
  allowedSubnets: string[];
  requireHttps: boolean;
  requestTimeoutMs: number;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  encryptionKey: string | undefined;
  /** Base URL that links (portal, unsubscribe) are built from. */
  publicUrl: string;
  endpointConcurrency: number;
  workerConcurrency: number;
  /**
   * Delivery threads (`worker_threads`) beside the main thread, for a process that also serves the API (`serve`)
   * and for a delivery-only one (`worker`); 0 delivers on the main thread. SQLite allows one (one claimer per
   * file); PostgreSQL any number, each claiming on its own.
   */
  workerThreads: WorkerThreads;
  /** Extra CA certificates (PEM file) trusted for https deliveries. */
  caFile: string | undefined;
  maxMessageBytes: number;
  /** CSP `frame-ancestors` sources for the tenant portal: which sites may embed it in an iframe. */
  portalFrameAncestors: string;
  /** On SIGTERM/SIGINT, how long attempts in flight get to finish before they are aborted. */
  shutdownGraceMs: number;
  /** Largest CSV upload accepted (413 beyond). */
  maxImportBytes: number;
  /** Whole-request read limits on the API port: slow clients are cut off instead of holding a connection. */
  headersTimeoutMs: number;
  requestReadTimeoutMs: number;
  accessLog: boolean;
  quotas: Quotas;
  /** A token that may read /metrics only (the operator API token may too). */
  metricsToken: string | undefined;
  /** `json` (pino lines, the default) or `pretty` (one readable line per record, for humans). */
  logFormat: "json" | "pretty";
  /** OTEL_EXPORTER_OTLP_ENDPOINT: traces are exported there (OTLP/HTTP JSON) when set. */
  otlpEndpoint: string | undefined;
  otelServiceName: string;
}

/** Per-application and per-token limits (issue: one tenant must not starve the others). */
export interface Quotas {
  endpointsPerApp: number;
  eventTypes: number;
  /** Messages per second per application (token bucket, one second of burst). */
  appMessageRate: number;
  /** Requests per second per portal token (token bucket, two seconds of burst). */
  portalTokenRate: number;
  importsInFlightPerApp: number;
}

const bool = z
  .enum(["true", "false", "1", "0", "yes", "no", ""])
  .transform((value) => value === "true" || value === "1" || value === "yes");

const duration = z.string().transform((value, ctx) => {
  try {
    return parseDuration(value);
  } catch (error) {
    ctx.addIssue({ code: "custom", message: (error as Error).message });
    return z.NEVER;
  }
});

/** Node's timers fire after 1 ms when given more than 2^31 - 1 ms: 24 days is the longest wait that works. */
const MAX_TIMER_MS = 24 * 86_400_000;
const timerDuration = (min: number) =>
  duration.pipe(
    z
      .number()
      .min(min, `must be at least ${min} ms`)
      .max(MAX_TIMER_MS, "must be at most 24d (longer waits cannot be timed)"),
  );

const positiveInt = z.string().regex(/^\d+$/, "must be a whole number").transform(Number);

export type DatabaseConfig =
  | { kind: "sqlite"; path: string }
  /** `url` as given (TLS options such as `sslmode` are passed through to the driver); `pool` connections at most. */
  | { kind: "postgres"; url: string; pool: number };

const envSchema = z.object({
  PORT: positiveInt.pipe(z.number().int().min(0).max(65535)).default(8071),
  HOST: z.string().min(1).default("0.0.0.0"),
  DATABASE_URL: z.string().min(1).default("./data/outbound.db"),
  OUTBOUND_API_TOKEN: z.string().min(8, "must be at least 8 characters").optional(),
  OUTBOUND_RETRY_SCHEDULE: z
    .string()
    .default(DEFAULT_RETRY_SCHEDULE)
    .transform((value, ctx) => {
      try {
        return parseRetrySchedule(value);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: (error as Error).message });
        return z.NEVER;
      }
    }),
  OUTBOUND_ALLOWED_SUBNETS: z
    .string()
    .default("")
    .transform((value, ctx) => {
      const subnets = value
        .split(",")
        .map((part) => part.trim())
        .filter(Boolean);
      try {
        createAddressPolicy(subnets);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: (error as Error).message });
        return z.NEVER;
      }
      return subnets;
    }),
  OUTBOUND_REQUIRE_HTTPS: bool.default(false),
  OUTBOUND_REQUEST_TIMEOUT: timerDuration(1).default(15_000),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  OUTBOUND_ENCRYPTION_KEY: z.string().min(1).optional(),
  OUTBOUND_PUBLIC_URL: z.url().optional(),
  OUTBOUND_ENDPOINT_CONCURRENCY: positiveInt.pipe(z.number().int().min(1).max(1000)).default(8),
  OUTBOUND_WORKER_CONCURRENCY: positiveInt.pipe(z.number().int().min(1).max(10000)).default(256),
  OUTBOUND_WORKER_THREADS: z
    .string()
    .regex(/^\d+$/, "must be a whole number (0: deliver on the API's thread)")
    .transform(Number)
    .pipe(z.number().int().min(0).max(64))
    .optional(),
  OUTBOUND_CA_FILE: z.string().min(1).optional(),
  OUTBOUND_MAX_MESSAGE_BYTES: positiveInt.pipe(z.number().int().min(1024)).default(1024 * 1024),
  OUTBOUND_PORTAL_FRAME_ANCESTORS: z
    .string()
    .default("'self'")
    .transform((value, ctx) => {
      const sources = value.split(/[\s,]+/).filter(Boolean);
      // Each source goes verbatim into a CSP header: only CSP source expressions, nothing that could end the directive.
      const bad = sources.find(
        (source) =>
          !/^('self'|'none'|\*|[a-z][a-z0-9+.-]*:(\/\/[A-Za-z0-9*.[\]:-]+(:(\d+|\*))?(\/[^\s;,']*)?)?)$/.test(
            source,
          ),
      );
      if (bad !== undefined || sources.length === 0) {
        ctx.addIssue({
          code: "custom",
          message: `must be CSP sources such as 'self' https://app.example.com (got ${JSON.stringify(bad ?? value)})`,
        });
        return z.NEVER;
      }
      return sources.join(" ");
    }),
  OUTBOUND_LEASE: duration.pipe(z.number().int().min(100)).optional(),
  OUTBOUND_ATTEMPT_RETENTION: duration.pipe(z.number().int().min(60_000)).default(90 * 86_400_000),
  OUTBOUND_PG_POOL: positiveInt.pipe(z.number().int().min(1).max(1000)).default(10),
  OUTBOUND_DATA_DIR: z.string().min(1).optional(),
  OUTBOUND_SHUTDOWN_GRACE: timerDuration(0).default(10_000),
  OUTBOUND_MAX_IMPORT_BYTES: positiveInt.pipe(z.number().int().min(1024)).default(512 * 1024 * 1024),
  OUTBOUND_HEADERS_TIMEOUT: timerDuration(1).default(10_000),
  OUTBOUND_REQUEST_READ_TIMEOUT: timerDuration(1).default(120_000),
  OUTBOUND_ACCESS_LOG: bool.default(true),
  OUTBOUND_MAX_ENDPOINTS_PER_APP: positiveInt.pipe(z.number().int().min(1)).default(1000),
  OUTBOUND_MAX_EVENT_TYPES: positiveInt.pipe(z.number().int().min(1)).default(10_000),
  OUTBOUND_APP_MESSAGE_RATE: positiveInt.pipe(z.number().int().min(1)).default(25_000),
  OUTBOUND_PORTAL_TOKEN_RATE: positiveInt.pipe(z.number().int().min(1)).default(200),
  OUTBOUND_MAX_IMPORTS_IN_FLIGHT: positiveInt.pipe(z.number().int().min(1)).default(2),
  OUTBOUND_METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  LOG_FORMAT: z.enum(["json", "pretty"]).default("json"),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  OTEL_SERVICE_NAME: z.string().min(1).default("outbound"),
});

export class ConfigError extends Error {}

/** What CLI commands that talk to a running server need. */
export interface ClientConfig {
  url: string;
  token: string | undefined;
  /** NO_COLOR set (https://no-color.org): no ANSI colours even on a terminal. */
  noColor: boolean;
}

export function loadClientConfig(env: Record<string, string | undefined> = process.env): ClientConfig {
  const port = env.PORT && /^\d+$/.test(env.PORT) ? env.PORT : "8071";
  const url = (env.OUTBOUND_URL ?? `http://localhost:${port}`).replace(/\/+$/, "");
  if (!/^https?:\/\//.test(url))
    throw new ConfigError(`Invalid configuration:\n  OUTBOUND_URL: must be an http(s) URL`);
  return { url, token: env.OUTBOUND_API_TOKEN, noColor: Boolean(env.NO_COLOR) };
}

export interface WorkerThreads {
  /** With the API in the same process (`outbound serve`, `npm start`). */
  serve: number;
  /** In a delivery-only process (`outbound worker`). */
  worker: number;
}

/**
 * How many delivery threads. By default the API keeps the main thread and delivery gets a core of its own when there
 * is a second one; a delivery-only process has its main thread to itself, so a thread would only cost memory. An
 * explicit number applies to both. A string is the reason an explicit choice is refused.
 */
export function chooseWorkerThreads(
  requested: number | undefined,
  setting: { cores: number; postgres: boolean; memory: boolean; traces: boolean },
): WorkerThreads | string {
  if (requested === undefined) {
    // Traces link each attempt's span to its message's, which the API's thread holds; an in-memory database
    // exists only for the connection that made it.
    return { serve: setting.cores >= 2 && !setting.traces && !setting.memory ? 1 : 0, worker: 0 };
  }
  if (requested === 0) return { serve: 0, worker: 0 };
  if (setting.memory) return "must be 0 with an in-memory SQLite database (a thread cannot open it)";
  if (setting.traces)
    return "must be 0 while traces are exported (OTEL_EXPORTER_OTLP_ENDPOINT): attempt spans are made on the API's thread";
  if (!setting.postgres && requested > 1)
    return "at most 1 with SQLite (one claimer per database file); use PostgreSQL for more";
  return { serve: requested, worker: requested };
}

function defaultPublicUrl(host: string, port: number): string {
  const name = host === "0.0.0.0" || host === "::" ? "localhost" : host.includes(":") ? `[${host}]` : host;
  return `http://${name}:${port}`;
}

/**
 * `--max-semi-space-size` as given to this process (command line or NODE_OPTIONS), in MB; undefined without it.
 * Pure: the last occurrence wins, as in V8's own parsing.
 */
export function semiSpaceFlagMb(
  execArgv: readonly string[],
  nodeOptions: string | undefined,
): number | undefined {
  const words = [...(nodeOptions ?? "").split(/\s+/).filter(Boolean), ...execArgv];
  let found: number | undefined;
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    const match = /^--max[-_]semi[-_]space[-_]size(?:=(.*))?$/.exec(word);
    if (!match) continue;
    const value = Number(match[1] ?? words[i + 1]);
    if (Number.isFinite(value)) found = value;
  }
  return found;
}

/** Parses and validates the environment once; every other module receives the resulting Config. */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  cores: number = availableParallelism(),
): Config {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ""),
  );
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const values = parsed.data;
  const problems: string[] = [];
  // Default: an attempt's whole time (request timeout) plus 30 s for a rate-limit wait and recording its outcome.
  const leaseMs = values.OUTBOUND_LEASE ?? Math.max(45_000, values.OUTBOUND_REQUEST_TIMEOUT + 30_000);
  if (leaseMs <= values.OUTBOUND_REQUEST_TIMEOUT) {
    // A lease shorter than an attempt would let another process send the same delivery while it is in flight.
    problems.push("OUTBOUND_LEASE: must be longer than OUTBOUND_REQUEST_TIMEOUT");
  }
  const postgres = /^postgres(ql)?:\/\//.test(values.DATABASE_URL);
  if (postgres && values.OUTBOUND_ENCRYPTION_KEY === undefined) {
    // Every process must open the others' secrets: a key file generated per machine would not do.
    problems.push(
      "OUTBOUND_ENCRYPTION_KEY: required with a PostgreSQL DATABASE_URL (every process must share it)",
    );
  }
  const sqlitePath = values.DATABASE_URL.replace(/^(sqlite|file):(\/\/)?/, "");
  const workerThreads = chooseWorkerThreads(values.OUTBOUND_WORKER_THREADS, {
    cores,
    postgres,
    memory: !postgres && sqlitePath === ":memory:",
    traces: values.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined,
  });
  if (typeof workerThreads === "string") problems.push(`OUTBOUND_WORKER_THREADS: ${workerThreads}`);
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n  ${problems.join("\n  ")}`);
  const database: DatabaseConfig = postgres
    ? { kind: "postgres", url: values.DATABASE_URL, pool: values.OUTBOUND_PG_POOL }
    : { kind: "sqlite", path: sqlitePath };
  const sqliteDir =
    database.kind === "sqlite" && database.path !== ":memory:"
      ? path.dirname(path.resolve(database.path))
      : null;
  const port = values.PORT;
  return {
    port,
    host: values.HOST,
    database,
    dataDir: path.resolve(values.OUTBOUND_DATA_DIR ?? sqliteDir ?? "data"),
    leaseMs,
    attemptRetentionMs: values.OUTBOUND_ATTEMPT_RETENTION,
    apiToken: values.OUTBOUND_API_TOKEN,
    retryScheduleMs: values.OUTBOUND_RETRY_SCHEDULE,
    allowedSubnets: values.OUTBOUND_ALLOWED_SUBNETS,
    requireHttps: values.OUTBOUND_REQUIRE_HTTPS,
    requestTimeoutMs: values.OUTBOUND_REQUEST_TIMEOUT,
    logLevel: values.LOG_LEVEL,
    encryptionKey: values.OUTBOUND_ENCRYPTION_KEY,
    publicUrl: (values.OUTBOUND_PUBLIC_URL ?? defaultPublicUrl(values.HOST, port)).replace(/\/+$/, ""),
    endpointConcurrency: values.OUTBOUND_ENDPOINT_CONCURRENCY,
    workerConcurrency: values.OUTBOUND_WORKER_CONCURRENCY,
    workerThreads: typeof workerThreads === "string" ? { serve: 0, worker: 0 } : workerThreads,
    caFile: values.OUTBOUND_CA_FILE,
    maxMessageBytes: values.OUTBOUND_MAX_MESSAGE_BYTES,
    portalFrameAncestors: values.OUTBOUND_PORTAL_FRAME_ANCESTORS,
    shutdownGraceMs: values.OUTBOUND_SHUTDOWN_GRACE,
    maxImportBytes: values.OUTBOUND_MAX_IMPORT_BYTES,
    headersTimeoutMs: values.OUTBOUND_HEADERS_TIMEOUT,
    requestReadTimeoutMs: values.OUTBOUND_REQUEST_READ_TIMEOUT,
    accessLog: values.OUTBOUND_ACCESS_LOG,
    quotas: {
      endpointsPerApp: values.OUTBOUND_MAX_ENDPOINTS_PER_APP,
      eventTypes: values.OUTBOUND_MAX_EVENT_TYPES,
      appMessageRate: values.OUTBOUND_APP_MESSAGE_RATE,
      portalTokenRate: values.OUTBOUND_PORTAL_TOKEN_RATE,
      importsInFlightPerApp: values.OUTBOUND_MAX_IMPORTS_IN_FLIGHT,
    },
    metricsToken: values.OUTBOUND_METRICS_TOKEN,
    logFormat: values.LOG_FORMAT,
    otlpEndpoint: values.OTEL_EXPORTER_OTLP_ENDPOINT,
    otelServiceName: values.OTEL_SERVICE_NAME,
    semiSpaceMb: semiSpaceFlagMb(process.execArgv, env.NODE_OPTIONS),
  };
}
