import { randomBytes } from "node:crypto";

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

function freshRandom(): number[] {
  return [...randomBytes(16)].map((byte) => byte % 32);
}

/** Increments the random part so ids made in the same millisecond still sort in creation order. */
function increment(digits: number[]): number[] {
  const next = [...digits];
  for (let i = next.length - 1; i >= 0; i--) {
    const digit = (next[i] ?? 0) + 1;
    if (digit < 32) {
      next[i] = digit;
      return next;
    }
    next[i] = 0;
  }
  return freshRandom();
}

/** Prefixed, time-sortable id (ULID layout): `msg_01JD…`. Lexical order is creation order within a process. */
export function newId(prefix: IdPrefix, now = Date.now()): string {
  if (now <= lastMs) {
    lastRandom = increment(lastRandom);
  } else {
    lastMs = now;
    lastRandom = freshRandom();
  }
  return `${prefix}_${encodeTime(lastMs)}${lastRandom.map((digit) => ALPHABET[digit]).join("")}`;
}

/** Smallest id of a prefix created at `ms`: used to turn a timestamp into an id bound for range queries. */
export function idFloor(prefix: IdPrefix, ms: number): string {
  return `${prefix}_${encodeTime(ms)}${"0".repeat(16)}`;
}
