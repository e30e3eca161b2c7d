import { createRandomPool } from "./random-pool.ts";

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
let lastMs = 0;
let lastRandom: number[] = [];

export type IdPrefix = "app" | "ep" | "msg" | "atmpt" | "tok" | "rtsk" | "prt" | "imp" | "dst" | "chat";

function encodeTime(ms: number): string {
  let out = "";
  let value = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[value % 32] + out;
    value = Math.floor(value / 32);
  }
  return out;
}

// Random bytes come from a pool (random-pool.ts): one randomBytes(16) per id had been 2 % of ingest CPU. 256 is a
// multiple of 32, so `byte % 32` stays uniform.
const random = createRandomPool();

function freshRandom(): number[] {
  const bytes = random.take(16);
  const digits = new Array<number>(16);
  for (let i = 0; i < 16; i++) digits[i] = (bytes[i] ?? 0) % 32;
  return digits;
}

/** Increments the random part in place so ids made in the same millisecond still sort in creation order. */
function increment(digits: number[]): number[] {
  for (let i = digits.length - 1; i >= 0; i--) {
    const digit = (digits[i] ?? 0) + 1;
    if (digit < 32) {
      digits[i] = digit;
      return digits;
    }
    digits[i] = 0;
  }
  return freshRandom();
}

// The time part is the same for every id of a millisecond: encoded once (CSV imports make millions of ids).
let lastTime = encodeTime(lastMs);

const ALPHABET_CODES = Array.from(ALPHABET, (char) => char.charCodeAt(0));
const randomCodes: number[] = new Array<number>(16).fill(48);

/** The random part as one string: appending its 16 characters one at a time made 16 strings per id. */
function randomText(digits: number[]): string {
  for (let i = 0; i < 16; i++) randomCodes[i] = ALPHABET_CODES[digits[i] ?? 0] ?? 48;
  return String.fromCharCode(...randomCodes);
}

/** Prefixed, time-sortable id (ULID layout): `msg_01JD…`. Lexical order is creation order within a process. */
export function newId(prefix: IdPrefix, now = Date.now()): string {
  if (now <= lastMs) {
    lastRandom = increment(lastRandom);
  } else {
    lastMs = now;
    lastTime = encodeTime(now);
    lastRandom = freshRandom();
  }
  return `${prefix}_${lastTime}${randomText(lastRandom)}`;
}

/** Smallest id of a prefix created at `ms`: used to turn a timestamp into an id bound for range queries. */
export function idFloor(prefix: IdPrefix, ms: number): string {
  return `${prefix}_${encodeTime(ms)}${"0".repeat(16)}`;
}
