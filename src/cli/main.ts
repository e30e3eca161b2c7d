#!/usr/bin/env node
import fs from "node:fs";
import { parseArgs } from "node:util";
import { type Role, startOutbound, VERSION } from "../app.ts";
import { type Config, ConfigError, loadClientConfig, loadConfig } from "../config.ts";
import { describeStartupFailure } from "../startup-failure.ts";
import { CliError, createApiClient } from "./api-client.ts";
import { IMPORT_USAGE, runImportCommand } from "./import-command.ts";
import { LISTEN_USAGE, runListenCommand } from "./listen-command.ts";
import {
  APPS_USAGE,
  ATTEMPTS_USAGE,
  ENDPOINTS_USAGE,
  MESSAGES_USAGE,
  runAppsCommand,
  runAttemptsCommand,
  runEndpointsCommand,
  runMessagesCommand,
  runSendCommand,
  SEND_USAGE,
} from "./resource-commands.ts";
import { ROLE_USAGE, runMigrate } from "./roles.ts";
import { runTailCommand, TAIL_USAGE } from "./tail-command.ts";

/** One row per command: `--help` prints `usage` and `--version` the version without running anything. */
interface Command {
  summary: string;
  usage: string;
  /** Resolves with the exit code, or with undefined for a command that keeps running (serve). */
  run(args: string[]): Promise<number | undefined>;
}

/** How long after the grace period the process exits even if closing has not finished. */
const SHUTDOWN_BACKSTOP_MS = 5_000;

const COMMANDS: Record<string, Command> = {
  serve: {
    summary: "API, delivery worker and housekeeping in one process (what `npm start` runs)",
    usage: ROLE_USAGE.serve,
    run: (args) => {
      noArguments(args);
      return serve("serve", loadConfig());
    },
  },
  api: {
    summary: "the HTTP API only (any number, beside the processes that deliver)",
    usage: ROLE_USAGE.api,
    run: (args) => {
      noArguments(args);
      return serve("api", loadConfig());
    },
  },
  worker: {
    summary: "delivery only, no HTTP (any number on PostgreSQL; one per SQLite file)",
    usage: ROLE_USAGE.worker,
    run: (args) => {
      noArguments(args);
      return serve("worker", loadConfig());
    },
  },
  migrate: {
    summary: "apply pending database migrations and exit (--status: list them, change nothing)",
    usage: ROLE_USAGE.migrate,
    run: (args) => runMigrate(args, loadConfig(), process.stdout),
  },
  import: {
    summary: "upload a participant CSV to a running server and follow the job",
    usage: IMPORT_USAGE,
    run: (args) => runImportCommand(args, loadClientConfig(), process.stderr),
  },
  send: {
    summary: "create a message (--app, --type, --data JSON | @file.json | @-)",
    usage: SEND_USAGE,
    run: (args) => runSendCommand(args, createApiClient(loadClientConfig()), commandIo()),
  },
  apps: {
    summary: "list applications",
    usage: APPS_USAGE,
    run: (args) => runAppsCommand(args, createApiClient(loadClientConfig()), commandIo()),
  },
  endpoints: {
    summary: "list an application's endpoints",
    usage: ENDPOINTS_USAGE,
    run: (args) => runEndpointsCommand(args, createApiClient(loadClientConfig()), commandIo()),
  },
  messages: {
    summary: "list an application's messages",
    usage: MESSAGES_USAGE,
    run: (args) => runMessagesCommand(args, createApiClient(loadClientConfig()), commandIo()),
  },
  attempts: {
    summary: "list the delivery attempts of a message or an endpoint",
    usage: ATTEMPTS_USAGE,
    run: (args) => runAttemptsCommand(args, createApiClient(loadClientConfig()), commandIo()),
  },
  listen: {
    summary: "forward an application's deliveries to a local URL (temporary relay endpoint)",
    usage: LISTEN_USAGE,
    run: (args) => {
      const client = loadClientConfig();
      return runListenCommand(args, client, createApiClient(client), {
        out: process.stdout,
        err: process.stderr,
        signal: stopSignal(),
      });
    },
  },
  tail: {
    summary: "follow an application's delivery attempts live",
    usage: TAIL_USAGE,
    run: (args) => {
      const client = loadClientConfig();
      return runTailCommand(args, createApiClient(client), {
        out: process.stdout,
        err: process.stderr,
        color: process.stdout.isTTY === true && !client.noColor,
        signal: stopSignal(),
      });
    },
  },
};

/** Output streams of the client commands; stdin is read only for `--data @-`. */
function commandIo() {
  return { out: process.stdout, readStdin: () => fs.readFileSync(0, "utf8") };
}

/** Aborted on Ctrl-C or SIGTERM, so a following command (tail) ends cleanly with exit code 0. */
function stopSignal(): AbortSignal {
  const controller = new AbortController();
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => controller.abort());
  return controller.signal;
}

function mainUsage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `Usage: outbound <command> [--help] [--version]

Commands:
${rows.join("\n")}

Run \`outbound <command> --help\` for a command's options. Configuration comes from the environment;
see docs/operations.md.`;
}

/** Runs a long-lived role (serve, api, worker) until SIGTERM/SIGINT. */
/** Server roles take no arguments: a mistyped flag (`--port 9`, `-v`) must not start a server that ignores it. */
function noArguments(args: string[]): void {
  parseArgs({ args, options: {}, strict: true, allowPositionals: false });
}

async function serve(role: Role, config: Config): Promise<undefined> {
  let running: Awaited<ReturnType<typeof startOutbound>>;
  try {
    running = await startOutbound(config, role);
  } catch (error) {
    const databasePath = config.database.kind === "sqlite" ? config.database.path : "the PostgreSQL database";
    process.stderr.write(`${describeStartupFailure(error, { ...config, databasePath })}\n`);
    process.exit(1);
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`Received ${signal}, shutting down…\n`);
    // Backstop: attempts are aborted after the grace period; should anything else hang, exit regardless.
    setTimeout(() => {
      process.stderr.write("Shutdown did not finish in time; exiting.\n");
      process.exit(1);
    }, config.shutdownGraceMs + SHUTDOWN_BACKSTOP_MS).unref();
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`Shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  return undefined;
}

async function main(argv: string[]): Promise<number | undefined> {
  const [first = "serve", ...rest] = argv;
  if (first === "--version" || first === "-v") {
    process.stdout.write(`outbound ${VERSION}\n`);
    return 0;
  }
  if (first === "help" || first === "--help" || first === "-h") {
    const topic = first === "help" ? rest[0] : undefined;
    const command = topic === undefined ? undefined : COMMANDS[topic];
    process.stdout.write(`${command ? command.usage : mainUsage()}\n`);
    return topic === undefined || command ? 0 : 2;
  }
  const command = COMMANDS[first];
  if (!command) {
    process.stderr.write(`Unknown command "${first}".\n\n${mainUsage()}\n`);
    return 2;
  }
  // Checked before the command runs, so asking for help never starts a server or touches data.
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  if (rest.includes("--version")) {
    process.stdout.write(`outbound ${VERSION}\n`);
    return 0;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    // Usage mistakes (unknown option, missing value) from parseArgs: say so, with the command's usage.
    if ((error as NodeJS.ErrnoException).code?.startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(`${(error as Error).message}\nRun \`outbound <command> --help\` for usage.\n`);
      process.exit(2);
    }
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(error instanceof CliError ? error.exitCode : 1);
  },
);
