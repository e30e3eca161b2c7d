import assert from "node:assert/strict";
import { test } from "node:test";
import { parse } from "csv-parse/sync";
import { type CsvRecord, createRecordSplitter, parseQuotedRecord } from "../../src/directory/csv-records.ts";

/** Feeds `text` in chunks of `size` bytes (1 byte splits every CRLF, quote pair and UTF-8 sequence). */
function split(text: string, size: number, delimiter = ",", max = 1024 * 1024): CsvRecord[] {
  const bytes = Buffer.from(text, "utf8");
  const splitter = createRecordSplitter(delimiter, max);
  const records: CsvRecord[] = [];
  for (let start = 0; start < bytes.length; start += size)
    records.push(...splitter.push(bytes.subarray(start, start + size)));
  records.push(...splitter.end());
  return records;
}

const fieldsOf = (records: CsvRecord[]) =>
  records.map((record) => (record.kind === "fields" ? record.fields : record.kind));

const VALID: Array<[string, string, string]> = [
  ["plain", "a,b,c\n1,2,3\n", ","],
  ["no final line break", "a,b\n1,2", ","],
  ["CRLF", "a,b\r\n1,2\r\n", ","],
  ["BOM", "\uFEFFa,b\n1,2\n", ","],
  ["blank and whitespace-only lines skipped", "a,b\n\n1,2\n   \n\r\n3,4\n", ","],
  ["a line of delimiters is a record", "a,b\n , \n", ","],
  ["trimmed outside quotes, kept inside", 'a,b\n  x  , " y " \n', ","],
  ["doubled quotes", 'a,b\n"say ""hi""",2\n', ","],
  ["delimiter and line breaks inside quotes", 'a,b\n"1,\n2\r\n3",x\n', ","],
  ["semicolon", 'a;b\n"x;y";z\n', ";"],
  ["tab", "a\tb\n x \t\t\n", "\t"],
  ["empty quoted field is kept", 'a\n""\n', ","],
  ["short and long records", "a,b,c\n1\n1,2,3,4\n", ","],
  ["multi-byte text", 'a,b\nÅsa,"日本, 語"\nzoë,x\n', ","],
  ["trailing delimiter", "a,b,\n1,2,\n", ","],
];

test("records and fields match csv-parse with the options the import used (bom, trim, skip_empty_lines)", () => {
  for (const [name, text, delimiter] of VALID) {
    const expected = parse(text, {
      bom: true,
      delimiter,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
    }) as string[][];
    for (const size of [1, 2, 3, 7, 1 << 16]) {
      assert.deepEqual(fieldsOf(split(text, size, delimiter)), expected, `${name} (chunks of ${size})`);
    }
  }
});

test("a record over the limit is reported in its place and the next records are read", () => {
  const big = "x".repeat(100);
  const text = `id,v\n1,ok\n2,${big}\n3,"${big}\n${big}"\n4,"short\nquoted"\n5,ok\n`;
  for (const size of [1, 5, 64, 1 << 16]) {
    assert.deepEqual(
      fieldsOf(split(text, size, ",", 50)),
      [["id", "v"], ["1", "ok"], "oversized", "oversized", ["4", "short\nquoted"], ["5", "ok"]],
      `chunks of ${size}`,
    );
  }
  // The limit counts the record's bytes without its line break: exactly at the limit is fine.
  assert.deepEqual(fieldsOf(split("abcd\r\nabcde\r\n", 1, ",", 4)), [["abcd"], "oversized"]);
  assert.deepEqual(fieldsOf(split("abcd\r\nabcde\r\n", 64, ",", 4)), [["abcd"], "oversized"]);
  assert.deepEqual(fieldsOf(split("abcde", 2, ",", 4)), ["oversized"]);
});

test("quoting the format does not allow is reported on its record", () => {
  const cases: Array<[string, RegExp]> = [
    ['ab"c,d', /field 1: a quote is inside an unquoted value/],
    ['a,"b"c', /field 2: text follows its closing quote/],
    ['a,"b', /field 2: its closing quote is missing/],
  ];
  for (const [text, message] of cases) {
    const record = parseQuotedRecord(text, ",");
    assert.equal(record.kind, "malformed", text);
    assert.match(record.kind === "malformed" ? record.message : "", message, text);
  }
  const unclosed = split('a,b\n1,"never closed\n2,3\n', 4);
  assert.deepEqual(fieldsOf(unclosed.slice(0, 1)), [["a", "b"]]);
  assert.equal(unclosed[1]?.kind, "malformed");
});
