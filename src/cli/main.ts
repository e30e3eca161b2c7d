#!/usr/bin/env node
import { ConfigError, loadClientConfig, loadConfig } from "../config.ts";
import { runImportCommand } from "./import-command.ts";
import { ROLE_USAGE, runMigrate, runRole } from "./roles.ts";

const USAGE = `Usage: outbound <command>

Commands:
  serve    API, delivery worker and housekeeping in one process (what \`npm start\` runs)
  api      the HTTP API only (any number, beside processes that deliver)
  worker   delivery only, no HTTP (any number on PostgreSQL; one per SQLite data directory)
  migrate  apply pending database migrations and exit (--status: list them, change nothing)
  import   upload a participant CSV to a running server and follow the job (see \`outbound import\`)
  help     this text

Every command takes --help. Configuration comes from the environment; see docs/operations.md.`;

async function main(argv: string[]): Promise<void> {
  const command = argv[0] ?? "serve";
  const wantsHelp = argv.slice(1).some((arg) => arg === "--help" || arg === "-h");
  switch (command) {
    case "serve":
    case "api":
    case "worker":
      if (wantsHelp) {
        process.stdout.write(`${ROLE_USAGE[command]}\n`);
        return;
      }
      return runRole(command, loadConfig());
    case "migrate":
      if (wantsHelp) {
        process.stdout.write(`${ROLE_USAGE.migrate}\n`);
        return;
      }
      process.exitCode = await runMigrate(argv.slice(1), loadConfig(), process.stdout);
      return;
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
