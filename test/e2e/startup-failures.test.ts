/** A start that cannot succeed says why in one line naming the setting and the fix: exit code 1, no stack trace. */
import assert from "node:assert/strict";
import fs from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, afterEach, test } from "node:test";
import { reportServerLogsOnFailure, runOutbound, startServer, stopAllServers } from "../support/server.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "outbound-startup-"));
fs.chmodSync(dir, 0o755);
after(async () => {
  await stopAllServers();
  fs.rmSync(dir, { recursive: true, force: true });
});
afterEach(reportServerLogsOnFailure);

// Permissions do not bind root: as root, the cases about them run the server as `nobody`.
const unprivileged = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

function env(extra: Record<string, string>): Record<string, string> {
  return {
    PORT: "0",
    HOST: "127.0.0.1",
    DATABASE_URL: path.join(fs.mkdtempSync(path.join(dir, "db-")), "outbound.db"),
    OUTBOUND_API_TOKEN: "startup-token",
    LOG_LEVEL: "warn",
    ...extra,
  };
}

async function failsWithOneLine(
  extra: Record<string, string>,
  expected: RegExp,
  options: { uid?: number; gid?: number } = {},
): Promise<string> {
  const result = await runOutbound(env(extra), ["serve"], options);
  assert.equal(result.code, 1, `exit code; stderr: ${result.stderr}`);
  const lines = result.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `one line: ${result.stderr}`);
  assert.doesNotMatch(result.stderr, /\n\s+at /, "no stack trace");
  assert.match(lines[0] ?? "", expected);
  return lines[0] ?? "";
}

test("DATABASE_URL: a data directory that cannot be created", async () => {
  const file = path.join(dir, "a-file");
  fs.writeFileSync(file, "not a directory");
  await failsWithOneLine(
    { DATABASE_URL: path.join(file, "data", "outbound.db") },
    /^DATABASE_URL: .*ENOTDIR.* Make the directory writable by this user, or point DATABASE_URL at a writable location\.$/,
  );
});

test("DATABASE_URL: a data directory this user may not write", async () => {
  const locked = fs.mkdtempSync(path.join(dir, "locked-"));
  fs.chmodSync(locked, 0o555);
  await failsWithOneLine(
    { DATABASE_URL: path.join(locked, "data", "outbound.db") },
    /^DATABASE_URL: .*EACCES.*writable/,
    unprivileged,
  );
});

test("DATABASE_URL: a read-only database file", async () => {
  const open = fs.mkdtempSync(path.join(dir, "ro-"));
  fs.chmodSync(open, 0o777);
  const database = path.join(open, "outbound.db");
  new DatabaseSync(database).close();
  fs.chmodSync(database, 0o444);
  await failsWithOneLine(
    { DATABASE_URL: database },
    /^DATABASE_URL: .*outbound\.db is read-only .*Make the file and its directory writable/,
    unprivileged,
  );
});

test("DATABASE_URL: a file that is not a SQLite database", async () => {
  const file = path.join(fs.mkdtempSync(path.join(dir, "notadb-")), "outbound.db");
  fs.writeFileSync(
    file,
    "id,name\n1,not a database at all, but long enough to have a header page?\n".repeat(100),
  );
  await failsWithOneLine(
    { DATABASE_URL: file },
    /^DATABASE_URL: .*outbound\.db is not a usable SQLite database .*Point DATABASE_URL at Outbound's database file/,
  );
});

test("PORT: a port another program listens on", async (t) => {
  const other = createServer();
  await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
  t.after(() => other.close());
  const port = (other.address() as { port: number }).port;
  await failsWithOneLine(
    { PORT: String(port) },
    new RegExp(
      `^PORT: 127\\.0\\.0\\.1:${port} is already in use by another program\\. Stop it, or set PORT to a free port\\.$`,
    ),
  );
});

test("OUTBOUND_CA_FILE: a missing file and a file that is not PEM", async () => {
  await failsWithOneLine(
    { OUTBOUND_CA_FILE: path.join(dir, "missing.pem") },
    /^OUTBOUND_CA_FILE: cannot read .*missing\.pem \(ENOENT\)\. Point it at a readable PEM file/,
  );
  const notPem = path.join(dir, "not.pem");
  fs.writeFileSync(notPem, "hello\n");
  await failsWithOneLine(
    { OUTBOUND_CA_FILE: notPem },
    /^OUTBOUND_CA_FILE: .*not\.pem holds no PEM certificate/,
  );
});

test("OUTBOUND_ENCRYPTION_KEY: an unreadable key file, and a key that does not open the stored secrets", async () => {
  const database = env({}).DATABASE_URL ?? "";
  fs.mkdirSync(path.join(path.dirname(database), "encryption.key"));
  await failsWithOneLine(
    { DATABASE_URL: database },
    /^OUTBOUND_ENCRYPTION_KEY is not set and the key file .*encryption\.key cannot be used \(EISDIR\)\. Restore the key file/,
  );

  const server = await startServer({ OUTBOUND_ENCRYPTION_KEY: "the key the secrets were sealed with" });
  const app = await server.svix.application.create({ name: "sealed" });
  await server.svix.endpoint.create(app.id, { url: "https://example.com/hook" });
  await server.stop();
  await failsWithOneLine(
    { DATABASE_URL: server.databaseUrl, OUTBOUND_ENCRYPTION_KEY: "another key" },
    /^OUTBOUND_ENCRYPTION_KEY: this key does not open the secrets stored in .*outbound\.db\. Set the key the database was created with/,
  );
});
