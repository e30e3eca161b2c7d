import assert from "node:assert/strict";
import { test } from "node:test";
import { describeStartupFailure, StartupError } from "../../src/startup-failure.ts";
import { DatabaseLockedError } from "../../src/store/errors.ts";

const settings = { port: 8071, host: "0.0.0.0", databasePath: "/srv/outbound/outbound.db" };
const errno = (code: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${code}: something`), { code, ...extra });
const sqlite = (errcode: number, message: string) => Object.assign(new Error(message), { errcode });

test("each known start-up failure is one line naming the setting and the fix", () => {
  const cases: Array<[unknown, RegExp]> = [
    [new StartupError("OUTBOUND_CA_FILE: as given"), /^OUTBOUND_CA_FILE: as given$/],
    [
      new DatabaseLockedError("/srv/outbound/outbound.db", 4121),
      /^DATABASE_URL: \/srv\/outbound\/outbound\.db is already used by process 4121 running Outbound\. Stop that process first/,
    ],
    [
      new DatabaseLockedError("/srv/outbound/outbound.db", null),
      /already used by another process running Outbound/,
    ],
    [
      errno("EADDRINUSE", { syscall: "listen" }),
      /^PORT: 0\.0\.0\.0:8071 is already in use by another program\. Stop it, or set PORT to a free port\.$/,
    ],
    [errno("EACCES", { syscall: "listen" }), /^PORT\/HOST: cannot listen on 0\.0\.0\.0:8071 \(EACCES\)/],
    [
      sqlite(8, "attempt to write a readonly database"),
      /^DATABASE_URL: \/srv\/outbound\/outbound\.db is read-only/,
    ],
    [
      sqlite(14, "unable to open database file"),
      /^DATABASE_URL: cannot open or write \/srv\/outbound\/outbound\.db/,
    ],
    [sqlite(8 | (2 << 8), "readonly (extended code)"), /is read-only/],
    [
      sqlite(26, "file is not a database"),
      /^DATABASE_URL: \/srv\/outbound\/outbound\.db is not a usable SQLite database \(file is not a database\)\. Point DATABASE_URL/,
    ],
    [sqlite(11, "database disk image is malformed"), /is not a usable SQLite database/],
    [
      errno("EACCES", { path: "/srv/outbound/outbound.db" }),
      /^DATABASE_URL: \/srv\/outbound\/outbound\.db is read-only \(EACCES\)/,
    ],
    [
      errno("EACCES", { path: "/srv/outbound" }),
      /^DATABASE_URL: cannot write the data directory .*EACCES on \/srv\/outbound\. Make the directory writable/,
    ],
    [errno("ENOTDIR", { path: "/srv/file/data" }), /^DATABASE_URL: cannot write the data directory/],
    [new Error("something else\n    at frame (x.ts:1:1)"), /^Outbound failed to start: something else$/],
    ["a string", /^Outbound failed to start: a string$/],
  ];
  for (const [error, expected] of cases) {
    const line = describeStartupFailure(error, settings);
    assert.match(line, expected);
    assert.equal(line.includes("\n"), false, `one line: ${line}`);
  }
});
