import { Writable } from "node:stream";

const LEVELS: Record<number, { name: string; color: string }> = {
  10: { name: "TRACE", color: "\x1b[90m" },
  20: { name: "DEBUG", color: "\x1b[36m" },
  30: { name: "INFO ", color: "\x1b[32m" },
  40: { name: "WARN ", color: "\x1b[33m" },
  50: { name: "ERROR", color: "\x1b[31m" },
  60: { name: "FATAL", color: "\x1b[35m" },
};
const RESET = "\x1b[0m";
const DIM = "\x1b[2m";
/** Fields every line has, shown in the line's head instead of as key=value. */
const HEAD = new Set(["level", "time", "msg", "pid", "hostname", "service"]);

/**
 * One pino JSON line as a line for humans: `12:00:01.234 INFO  message key=value …`, an error's stack on the
 * following lines. Lines that are not pino JSON pass through unchanged.
 */
export function formatLogLine(line: string, color: boolean): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (typeof record !== "object" || record === null || typeof record.level !== "number") return line;
  const level = LEVELS[record.level] ?? { name: String(record.level).padEnd(5), color: "" };
  const time = typeof record.time === "number" ? new Date(record.time).toISOString().slice(11, 23) : "";
  const paint = (code: string, text: string) => (color && code ? `${code}${text}${RESET}` : text);
  let stack = "";
  const fields: string[] = [];
  for (const [key, value] of Object.entries(record)) {
    if (HEAD.has(key)) continue;
    if (key === "err" && typeof value === "object" && value !== null && "stack" in value) {
      stack = `\n${String((value as { stack: unknown }).stack)}`;
      continue;
    }
    const text = typeof value === "string" && !/[\s"=]/.test(value) ? value : JSON.stringify(value);
    fields.push(`${paint(DIM, `${key}=`)}${text}`);
  }
  const message = typeof record.msg === "string" ? record.msg : "";
  return (
    [paint(DIM, time), paint(level.color, level.name), message, ...fields].filter(Boolean).join(" ") + stack
  );
}

/** A destination for pino that writes `formatLogLine` lines to `out` (colours when it is a terminal). */
export function prettyLogStream(out: NodeJS.WritableStream & { isTTY?: boolean }): Writable {
  const color = out.isTTY === true;
  let rest = "";
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      const lines = (rest + chunk.toString("utf8")).split("\n");
      rest = lines.pop() ?? "";
      const text = lines.map((line) => `${formatLogLine(line, color)}\n`).join("");
      if (text) out.write(text);
      done();
    },
  });
}
