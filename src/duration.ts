/** Parses "250ms", "5s", "5m", "2h" or a bare number of milliseconds into milliseconds. */
export function parseDuration(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!match) throw new Error(`invalid duration "${text}" (use e.g. 500ms, 5s, 5m, 2h)`);
  const value = Number(match[1]);
  const unit = match[2] ?? "ms";
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit] ?? 1;
  return Math.round(value * factor);
}

/** Parses a comma-separated retry schedule such as "5s,5m,30m" into delays in milliseconds. */
export function parseRetrySchedule(text: string): number[] {
  const parts = text
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
  if (parts.length === 0) throw new Error("retry schedule must list at least one delay");
  return parts.map(parseDuration);
}
