import fs from "node:fs";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { DatabaseLockedError } from "../errors.ts";

export interface DatabaseLock {
  /** The lock file, `<database>.lock`. */
  readonly file: string;
  release(): void;
}

/**
 * Makes this process the only one working on a SQLite database: a second `outbound serve` on the same file would
 * otherwise claim and re-send deliveries the first one has in flight.
 *
 * Why a SQLite lock database and not a pid file: `locking_mode=EXCLUSIVE` plus `BEGIN EXCLUSIVE` takes an OS advisory
 * lock (fcntl) that is held until the connection closes and that the kernel drops when the process dies, even by
 * SIGKILL. A pid file needs a liveness check that a reused pid defeats, and two starts can both find it stale.
 * The lock is kept by the connection; the pid beside it (`<database>.lock.pid`) only serves the error message,
 * because an exclusively locked database cannot be read by the process that is refused.
 */
export function lockDatabase(databasePath: string, pid: number = process.pid): DatabaseLock {
  const file = `${path.resolve(databasePath)}.lock`;
  const pidFile = `${file}.pid`;
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    if (!fs.existsSync(file)) fs.closeSync(fs.openSync(file, "wx", 0o600));
  } catch {
    // The open below reports an unwritable directory with the usual start-up message.
  }
  // timeout 0: a held lock answers SQLITE_BUSY at once instead of waiting for it.
  const db = new DatabaseSync(file, { timeout: 0 });
  try {
    db.exec("PRAGMA locking_mode = EXCLUSIVE");
    // No journal file: nothing is ever written to this database, it exists for its lock.
    db.exec("PRAGMA journal_mode = OFF");
    db.exec("BEGIN EXCLUSIVE; COMMIT");
  } catch (error) {
    db.close();
    if (isBusy(error)) throw new DatabaseLockedError(path.resolve(databasePath), readPid(pidFile));
    throw error;
  }
  fs.writeFileSync(pidFile, `${pid}\n`, { mode: 0o600 });
  return {
    file,
    release() {
      if (!db.isOpen) return;
      fs.rmSync(pidFile, { force: true });
      db.close();
    },
  };
}

function isBusy(error: unknown): boolean {
  const code = (error as { errcode?: unknown }).errcode;
  // SQLITE_BUSY (5) or SQLITE_LOCKED (6), possibly as an extended code.
  return typeof code === "number" && ((code & 0xff) === 5 || (code & 0xff) === 6);
}

function readPid(pidFile: string): number | null {
  try {
    const pid = Number.parseInt(fs.readFileSync(pidFile, "utf8"), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}
