/**
 * Flattens a JSON object the way PHP/Rails form and query parsers expect: `participant[address][city]`,
 * `tags[0]`. null → "" (the key is still sent), booleans → "true"/"false", numbers → String(n); undefined
 * and empty objects/arrays send nothing, since these formats cannot express them. Keys keep object order
 * (note JavaScript puts integer-like keys first).
 */
export function toFormPairs(value: Record<string, unknown>): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const [key, item] of Object.entries(value)) flatten(key, item, pairs);
  return pairs;
}

function flatten(name: string, value: unknown, pairs: Array<[string, string]>): void {
  if (value === null) {
    pairs.push([name, ""]);
  } else if (typeof value === "string") {
    pairs.push([name, value]);
  } else if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
    pairs.push([name, String(value)]);
  } else if (Array.isArray(value)) {
    // Indexes stay explicit so a receiver rebuilds arrays of objects (`items[0][id]`) correctly.
    value.forEach((item: unknown, i) => {
      flatten(`${name}[${i}]`, item, pairs);
    });
  } else if (typeof value === "object") {
    for (const [key, item] of Object.entries(value)) flatten(`${name}[${key}]`, item, pairs);
  }
  // undefined, functions and symbols are skipped, as JSON.stringify does.
}

/** An application/x-www-form-urlencoded body, percent-encoded exactly as URLSearchParams does. */
export function encodeForm(value: Record<string, unknown>): string {
  return new URLSearchParams(toFormPairs(value)).toString();
}

/**
 * The URL with the flattened pairs appended to its query string. Done on the text (not via URL re-serialisation)
 * so existing parameters reach the receiver byte for byte; a fragment stays last.
 */
export function appendQuery(url: string, value: Record<string, unknown>): string {
  const query = encodeForm(value);
  if (query === "") return url;
  const hashAt = url.indexOf("#");
  const base = hashAt === -1 ? url : url.slice(0, hashAt);
  const fragment = hashAt === -1 ? "" : url.slice(hashAt);
  let separator = "&";
  if (!base.includes("?")) separator = "?";
  else if (base.endsWith("?") || base.endsWith("&")) separator = "";
  return `${base}${separator}${query}${fragment}`;
}
