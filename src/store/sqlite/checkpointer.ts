import type { DatabaseSync } from "node:sqlite";

/**
 * Who copies this process's SQLite WAL into the database file (a checkpoint: the copying plus two fsyncs).
 * - `auto`: SQLite's default, the COMMIT that pushes the WAL past 1,000 pages, while its event loop waits.
 * - `elsewhere`: another connection of this process runs `timer`; this one (the API's) only checkpoints past
 *   SELF_CHECKPOINT_PAGES, a safety net for when that connection is gone (its thread died).
 * - `timer`: this connection (the delivery thread's) runs a PASSIVE checkpoint every CHECKPOINT_EVERY_MS, so the API's
 *   event loop never waits for a checkpoint's fsyncs. A thread of its own would cost ~20 MB of RSS for this alone.
 */
export type CheckpointMode = "auto" | "elsewhere" | "timer";

/** About 40 MB of WAL: only reached when no `timer` connection is checkpointing. */
export const SELF_CHECKPOINT_PAGES = 10_000;

/** At full load about 1,000 pages each time, as SQLite's own threshold. */
export const CHECKPOINT_EVERY_MS = 500;

/** A checkpoint's outcome: the WAL's frames, and how many of them are now in the database file. */
export interface CheckpointReport {
  log: number;
  checkpointed: number;
}

/** Applies `mode` to the connection; returns what stops its timer (a no-op for the others). */
export function applyCheckpointMode(
  raw: DatabaseSync,
  mode: CheckpointMode,
  options: { everyMs?: number; onCheckpoint?: (report: CheckpointReport) => void } = {},
): () => void {
  if (mode === "auto") return () => {};
  raw.exec(`PRAGMA wal_autocheckpoint = ${SELF_CHECKPOINT_PAGES}`);
  if (mode === "elsewhere") return () => {};
  // PASSIVE never waits for a lock: with a writer or a reader in the way it copies what it can and returns.
  const checkpoint = raw.prepare("PRAGMA wal_checkpoint(PASSIVE)");
  const timer = setInterval(() => {
    try {
      const row = checkpoint.get();
      options.onCheckpoint?.({ log: Number(row?.log ?? 0), checkpointed: Number(row?.checkpointed ?? 0) });
    } catch {
      // The frames wait for the next run; SELF_CHECKPOINT_PAGES bounds the WAL meanwhile.
    }
  }, options.everyMs ?? CHECKPOINT_EVERY_MS);
  // Housekeeping never keeps a process or thread alive.
  timer.unref();
  return () => clearInterval(timer);
}
