/** Plain-text output of the listing commands: aligned columns, attempt lines for `tail`. */

export interface Column<T> {
  title: string;
  value: (row: T) => string;
  /** Longer values are cut with "…" (URLs, payload previews). */
  max?: number;
}

function cut(text: string, max: number | undefined): string {
  return max !== undefined && text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Rows as an aligned table with a header line; "(none)" when there are no rows. */
export function formatTable<T>(rows: readonly T[], columns: ReadonlyArray<Column<T>>): string {
  if (rows.length === 0) return "(none)\n";
  const cells = rows.map((row) =>
    columns.map((column) => cut(column.value(row).replace(/\s+/g, " "), column.max)),
  );
  const widths = columns.map((column, i) =>
    Math.max(column.title.length, ...cells.map((row) => row[i]!.length)),
  );
  const line = (values: string[]) =>
    values
      .map((value, i) => (i === values.length - 1 ? value : value.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return `${[line(columns.map((column) => column.title)), ...cells.map(line)].join("\n")}\n`;
}

export interface AttemptView {
  id: string;
  msgId: string;
  endpointId: string;
  url: string;
  responseStatusCode: number;
  responseDurationMs: number;
  status: number;
  timestamp: string;
}

const GREEN = "\x1b[32m";
const RED = "\x1b[31m";
const YELLOW = "\x1b[33m";
const DIM = "\x1b[2m";
const RESET = "\x1b[0m";

/** Attempt status: 0 success, 1 pending (a retry is planned), 2 fail, 3 sending. */
const OUTCOME: Record<number, { mark: string; color: string }> = {
  0: { mark: "ok  ", color: GREEN },
  1: { mark: "retry", color: YELLOW },
  2: { mark: "fail", color: RED },
  3: { mark: "sending", color: YELLOW },
};

/** One line per attempt: `15:46:48 ok   200   12 ms  msg_… → https://… (ep_…)`, coloured when `color`. */
export function formatAttemptLine(attempt: AttemptView, color: boolean): string {
  const outcome = OUTCOME[attempt.status] ?? { mark: String(attempt.status), color: "" };
  const paint = (code: string, text: string) => (color && code ? `${code}${text}${RESET}` : text);
  const time = attempt.timestamp.slice(11, 19);
  const code = attempt.responseStatusCode === 0 ? "---" : String(attempt.responseStatusCode);
  const duration = `${attempt.responseDurationMs} ms`.padStart(8);
  return `${paint(DIM, time)} ${paint(outcome.color, outcome.mark.padEnd(5))} ${code} ${duration}  ${attempt.msgId} → ${attempt.url} ${paint(DIM, `(${attempt.endpointId})`)}`;
}
