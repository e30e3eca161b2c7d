/** Header shapes receivers hand us: Node's `req.headers`, a Fetch `Headers`, or a plain record of any case. */
export type HeaderSource =
  | Headers
  | { get(name: string): string | null }
  | Record<string, string | string[] | undefined>;

/** The value of header `name` (case-insensitive); repeated headers are joined with ", " as HTTP allows. */
export function readHeader(headers: HeaderSource, name: string): string | undefined {
  const lower = name.toLowerCase();
  if (typeof (headers as { get?: unknown }).get === "function") {
    return (headers as { get(name: string): string | null }).get(lower) ?? undefined;
  }
  const record = headers as Record<string, string | string[] | undefined>;
  let value = record[lower];
  if (value === undefined) {
    const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === lower);
    value = key === undefined ? undefined : record[key];
  }
  return Array.isArray(value) ? value.join(", ") : value;
}
