import path from "node:path";
import { DatabaseLockedError } from "./store/errors.ts";

/** A start-up failure whose cause is known: its message is the one line the operator reads. */
export class StartupError extends Error {}

/** What the start-up messages refer to. */
export interface StartupSettings {
  port: number;
  host: string;
  databasePath: string;
}

const FS_CODES = new Set(["EACCES", "EPERM", "EROFS", "ENOTDIR", "EISDIR", "ENOSPC", "ENOENT", "ELOOP"]);
const WRITE_REFUSED = new Set(["EACCES", "EPERM", "EROFS"]);
/** SQLite primary result codes that mean "this file cannot be written or opened here". */
const SQLITE_READONLY = 8;
const SQLITE_CANTOPEN = 14;
const SQLITE_IOERR = 10;
const SQLITE_FULL = 13;
/** The file exists but is not a SQLite database (or is damaged beyond opening). */
const SQLITE_CORRUPT = 11;
const SQLITE_NOTADB = 26;

/**
 * One line naming the cause and the fix for an error that stopped `outbound serve`; never a stack trace.
 * Errors without a known cause still get a single line with their message.
 */
export function describeStartupFailure(error: unknown, settings: StartupSettings): string {
  if (error instanceof StartupError) return error.message;
  if (error instanceof DatabaseLockedError) {
    const who = error.pid === null ? "another process" : `process ${error.pid}`;
    return (
      `DATABASE_URL: ${error.databasePath} is already used by ${who} running Outbound. ` +
      "Stop that process first, or give this one its own DATABASE_URL."
    );
  }
  const errno = error as NodeJS.ErrnoException & { errcode?: unknown };
  if (errno.code === "EADDRINUSE") {
    return (
      `PORT: ${settings.host}:${settings.port} is already in use by another program. ` +
      "Stop it, or set PORT to a free port."
    );
  }
  if (errno.syscall === "listen" && (errno.code === "EACCES" || errno.code === "EADDRNOTAVAIL")) {
    return (
      `PORT/HOST: cannot listen on ${settings.host}:${settings.port} (${errno.code}). ` +
      "Choose a port above 1023 or a HOST address this machine has."
    );
  }
  if (typeof errno.errcode === "number") {
    const primary = errno.errcode & 0xff;
    if (primary === SQLITE_READONLY) return readOnly(settings.databasePath, errno.message);
    if (primary === SQLITE_NOTADB || primary === SQLITE_CORRUPT) {
      return (
        `DATABASE_URL: ${settings.databasePath} is not a usable SQLite database (${errno.message}). ` +
        "Point DATABASE_URL at Outbound's database file, or at a path that does not exist yet to start a new one."
      );
    }
    if (primary === SQLITE_CANTOPEN || primary === SQLITE_IOERR || primary === SQLITE_FULL) {
      return (
        `DATABASE_URL: cannot open or write ${settings.databasePath} (${errno.message}). ` +
        "Make its directory writable by this user (and check free space), or point DATABASE_URL elsewhere."
      );
    }
  }
  if (typeof errno.code === "string" && FS_CODES.has(errno.code) && typeof errno.path === "string") {
    // The database file itself (or its -wal, -shm, .lock) refused: the file, not the directory, is the problem.
    const onDatabase = path.resolve(errno.path).startsWith(path.resolve(settings.databasePath));
    if (onDatabase && WRITE_REFUSED.has(errno.code)) return readOnly(settings.databasePath, errno.code);
    return (
      `DATABASE_URL: cannot write the data directory for ${settings.databasePath}: ${errno.code} on ${errno.path}. ` +
      "Make the directory writable by this user, or point DATABASE_URL at a writable location."
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return `Outbound failed to start: ${message.split("\n")[0]}`;
}

function readOnly(databasePath: string, cause: string): string {
  return (
    `DATABASE_URL: ${databasePath} is read-only (${cause}). ` +
    "Make the file and its directory writable by this user, or point DATABASE_URL at a writable location."
  );
}
