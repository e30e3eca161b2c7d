/**
 * The import's CSV reader: splits raw bytes into records (tracking quotes), bounded per record, then splits each
 * record into trimmed fields. It replaces csv-parse on the import path because a record over the size limit must
 * be skipped (a row error) rather than stop the import, and because the import spends most of its parse time in a
 * general parser's per-byte state machine while most records here have no quotes at all.
 *
 * Behaviour kept from the csv-parse options used before (`bom`, `trim`, `skip_empty_lines`,
 * `relax_column_count`): a UTF-8 BOM is dropped, fields are trimmed outside quotes, blank lines are skipped,
 * `""` inside a quoted field is one quote, records end at LF or CRLF outside quotes.
 */

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const BOM = [0xef, 0xbb, 0xbf];

export type CsvRecord =
  /** Trimmed, unquoted fields. */
  | { kind: "fields"; fields: string[] }
  /** Larger than the limit (bytes, without the line break): its bytes were dropped, its end found. */
  | { kind: "oversized" }
  /** Quoting that the format does not allow (a stray quote, text after a closing quote, no closing quote). */
  | { kind: "malformed"; message: string };

export interface RecordSplitter {
  /** The records completed by this chunk, in order. */
  push(chunk: Buffer): CsvRecord[];
  /** The last record when the input does not end with a line break. */
  end(): CsvRecord[];
}

/**
 * Pure (keeps only the bytes of the record being read, at most `maxRecordBytes`): turns a byte stream into
 * records. Quote parity decides whether a line break ends the record: exact for valid CSV, and invalid quoting is
 * reported on the record where it shows.
 */
export function createRecordSplitter(delimiter: string, maxRecordBytes: number): RecordSplitter {
  let carry: Buffer[] = [];
  let carryBytes = 0;
  let quoted = false;
  let skipping = false;
  let atStart = true;
  const out: CsvRecord[] = [];

  const finish = (piece: Buffer | null) => {
    if (skipping) {
      out.push({ kind: "oversized" });
    } else {
      let bytes =
        carry.length === 0
          ? (piece ?? Buffer.alloc(0))
          : Buffer.concat(piece ? [...carry, piece] : carry, carryBytes + (piece?.length ?? 0));
      // CRLF: the CR may have ended the previous chunk.
      if (bytes.length > 0 && bytes[bytes.length - 1] === CR) bytes = bytes.subarray(0, bytes.length - 1);
      const record =
        bytes.length > maxRecordBytes ? { kind: "oversized" as const } : parseRecord(bytes, delimiter);
      if (record) out.push(record);
    }
    carry = [];
    carryBytes = 0;
    skipping = false;
  };
  const keep = (piece: Buffer) => {
    if (skipping || piece.length === 0) return;
    // +1: a CR kept at the end is the first half of a CRLF, not part of the record.
    if (carryBytes + piece.length > maxRecordBytes + 1) {
      skipping = true;
      carry = [];
      carryBytes = 0;
      return;
    }
    // A copy: the stream may reuse its chunk's memory, and a slice would pin the whole chunk.
    carry.push(Buffer.from(piece));
    carryBytes += piece.length;
  };

  return {
    push(input) {
      let chunk = input;
      if (atStart) {
        if (chunk.length === 0) return [];
        atStart = false;
        if (chunk[0] === BOM[0] && chunk[1] === BOM[1] && chunk[2] === BOM[2]) chunk = chunk.subarray(3);
      }
      let start = 0;
      let pos = 0;
      // The next quote at or after pos (-1: none left in this chunk); searched again only once passed.
      let quote = chunk.indexOf(QUOTE);
      while (pos < chunk.length) {
        if (quote >= 0 && quote < pos) quote = chunk.indexOf(QUOTE, pos);
        if (quoted) {
          if (quote < 0) break;
          quoted = false;
          pos = quote + 1;
          continue;
        }
        const lf = chunk.indexOf(LF, pos);
        if (quote >= 0 && (lf < 0 || quote < lf)) {
          quoted = true;
          pos = quote + 1;
          continue;
        }
        if (lf < 0) break;
        if (carryBytes + (lf - start) > maxRecordBytes + 1) skipping = true;
        finish(skipping ? null : chunk.subarray(start, lf));
        start = lf + 1;
        pos = start;
      }
      if (start < chunk.length) keep(chunk.subarray(start));
      return out.splice(0);
    },
    end() {
      if (quoted && !skipping) {
        out.push({ kind: "malformed", message: "a quoted field is not closed before the end of the file" });
      } else if (skipping || carryBytes > 0) {
        finish(null);
      }
      carry = [];
      carryBytes = 0;
      quoted = false;
      skipping = false;
      return out.splice(0);
    },
  };
}

/** Pure: one record's fields, or null for a blank line (skipped, as before). */
export function parseRecord(bytes: Buffer, delimiter: string): CsvRecord | null {
  const text = bytes.toString("utf8");
  if (text.indexOf('"') < 0) {
    if (text.trim() === "" && !text.includes(delimiter)) return null;
    const fields = text.split(delimiter);
    for (let i = 0; i < fields.length; i++) fields[i] = (fields[i] as string).trim();
    return { kind: "fields", fields };
  }
  return parseQuotedRecord(text, delimiter);
}

/** The whitespace csv-parse's `trim` removed, which is JavaScript's: checked by code to keep the loop cheap. */
function isTrimmable(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13) || (code > 127 && String.fromCharCode(code).trim() === "");
}

/** Pure: the slow path for a record with quotes (RFC 4180 quoting, whitespace trimmed outside quotes). */
export function parseQuotedRecord(text: string, delimiter: string): CsvRecord {
  const fields: string[] = [];
  const separator = delimiter.charCodeAt(0);
  let i = 0;
  for (;;) {
    while (i < text.length && text.charCodeAt(i) !== separator && isTrimmable(text.charCodeAt(i))) i++;
    if (text.charCodeAt(i) === QUOTE) {
      let value = "";
      let from = i + 1;
      for (;;) {
        const close = text.indexOf('"', from);
        if (close < 0) return malformed(fields.length, "its closing quote is missing");
        value += text.slice(from, close);
        if (text.charCodeAt(close + 1) === QUOTE) {
          value += '"';
          from = close + 2;
          continue;
        }
        i = close + 1;
        break;
      }
      while (i < text.length && text.charCodeAt(i) !== separator) {
        if (!isTrimmable(text.charCodeAt(i)))
          return malformed(fields.length, "text follows its closing quote");
        i++;
      }
      fields.push(value);
    } else {
      const next = text.indexOf(delimiter, i);
      const raw = next < 0 ? text.slice(i) : text.slice(i, next);
      if (raw.includes('"')) return malformed(fields.length, "a quote is inside an unquoted value");
      fields.push(raw.trim());
      i = next < 0 ? text.length : next;
    }
    if (i >= text.length) return { kind: "fields", fields };
    i += 1;
  }
}

function malformed(index: number, problem: string): CsvRecord {
  return { kind: "malformed", message: `field ${index + 1}: ${problem}` };
}
