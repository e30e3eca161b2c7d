/**
 * Progress for long CLI commands. On a terminal: one live line (a bar with the total and percentage when the total
 * is known), redrawn in place. Piped or redirected: plain lines at most every `everyMs`, so logs and CI output
 * stay readable instead of filling with carriage returns.
 */
export interface ProgressOptions {
  tty: boolean;
  write: (text: string) => void;
  now: () => number;
  /** Least time between plain lines (not on a terminal). */
  everyMs?: number;
}

export interface Progress {
  /** `done` of `total` (null: unknown total); `detail` follows the numbers. `force` writes a plain line now. */
  update(label: string, done: number, total: number | null, detail: string, force?: boolean): void;
  /** Ends the live line (terminal) or writes the last state if it was not written (plain). */
  finish(): void;
}

const BAR_WIDTH = 30;
/** Redraws on a terminal at most this often: an upload reports every 64 KiB chunk. */
const REDRAW_MS = 50;

/** Pure: the text of one progress line. */
export function progressLine(label: string, done: number, total: number | null, detail: string): string {
  if (total === null) return `${label} ${detail}`.trimEnd();
  const fraction = total === 0 ? 1 : Math.max(0, Math.min(1, done / total));
  const filled = Math.round(fraction * BAR_WIDTH);
  const percent = `${Math.floor(fraction * 100)}%`;
  return `${label} [${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}] ${percent} ${detail}`.trimEnd();
}

export function createProgress(options: ProgressOptions): Progress {
  const everyMs = options.everyMs ?? 2_000;
  let lastWrite = Number.NEGATIVE_INFINITY;
  let unwritten: string | null = null;
  let live = false;
  return {
    update(label, done, total, detail, force = false) {
      const line = progressLine(label, done, total, detail);
      const now = options.now();
      if (options.tty) {
        if (!force && now - lastWrite < REDRAW_MS && done !== total) {
          unwritten = line;
          return;
        }
        // \r back to the start of the line, \x1b[K clears what a longer previous line left behind.
        options.write(`\r${line}\x1b[K`);
        live = true;
        lastWrite = now;
        unwritten = null;
        return;
      }
      if (force || now - lastWrite >= everyMs) {
        options.write(`${line}\n`);
        lastWrite = now;
        unwritten = null;
      } else unwritten = line;
    },
    finish() {
      if (options.tty) {
        if (unwritten !== null) options.write(`\r${unwritten}\x1b[K`);
        if (live || unwritten !== null) options.write("\n");
        live = false;
        unwritten = null;
      } else if (unwritten !== null) {
        options.write(`${unwritten}\n`);
        unwritten = null;
      }
      lastWrite = Number.NEGATIVE_INFINITY;
    },
  };
}
