#!/usr/bin/env node
import { startOutbound } from "../app.ts";
import { ConfigError, loadClientConfig, loadConfig } from "../config.ts";
import { runImportCommand } from "./import-command.ts";

const USAGE = `Usage: outbound <command>

Commands:
  serve    API, delivery worker and housekeeping in one process (what \`npm start\` runs)
  import   upload a participant CSV to a running server and follow the job (see \`outbound import\`)
  help     this text

Configuration comes from the environment; see docs/operations.md.`;

async function serve(): Promise<void> {
  const config = loadConfig();
  const running = await startOutbound(config);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`Received ${signal}, shutting down…\n`);
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
}

async function main(argv: string[]): Promise<void> {
  const command = argv[0] ?? "serve";
  switch (command) {
    case "serve":
      return serve();
    case "import":
      process.exitCode = await runImportCommand(argv.slice(1), loadClientConfig(), process.stderr);
      return;
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(`${USAGE}\n`);
      return;
    default:
      process.stderr.write(`Unknown command "${command}".\n\n${USAGE}\n`);
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(
    `Outbound failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
