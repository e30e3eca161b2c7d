import type { SecretBox } from "../secret-box.ts";
import { generateSecret } from "./signer.ts";

/** The current secret comes first; rotated-out secrets keep signing until they expire. */
export interface SecretEntry {
  key: string;
  expiresAt: number | null;
}

export const DEFAULT_ROTATION_GRACE_MS = 24 * 60 * 60 * 1000;

export function sealSecrets(box: SecretBox, entries: SecretEntry[]): string {
  return box.seal(JSON.stringify(entries));
}

export function openSecrets(box: SecretBox, sealed: string): SecretEntry[] {
  return JSON.parse(box.open(sealed)) as SecretEntry[];
}

export function activeSecretKeys(entries: SecretEntry[], now: number): string[] {
  return entries
    .filter((entry) => entry.expiresAt === null || entry.expiresAt > now)
    .map((entry) => entry.key);
}

export function currentSecret(entries: SecretEntry[]): string {
  const first = entries[0];
  if (!first) throw new Error("endpoint has no secret");
  return first.key;
}

/** New secret first; the previous current one signs for `graceMs` more; long-expired ones are dropped. */
export function rotateSecrets(
  entries: SecretEntry[],
  now: number,
  graceMs: number,
  newKey: string = generateSecret(),
): SecretEntry[] {
  const [current, ...older] = entries;
  const kept = older.filter((entry) => entry.expiresAt !== null && entry.expiresAt > now);
  const demoted = current ? [{ key: current.key, expiresAt: now + graceMs }] : [];
  return [{ key: newKey, expiresAt: null }, ...demoted, ...kept];
}

/**
 * Custom header values that are credentials (by name, or marked `sensitive`) are stored sealed, marked by a NUL
 * prefix that no valid header value can start with. The worker opens them just before sending.
 */
const SEALED_HEADER = "\u0000sealed:";
const SENSITIVE_HEADER_NAME = /auth|token|secret|key|cookie|password/i;

export function isSealedHeader(value: string): boolean {
  return value.startsWith(SEALED_HEADER);
}

/** Seals the values of sensitive headers: names that look like credentials, those in `marked`, and those already sealed. */
export function sealSensitiveHeaders(
  box: SecretBox,
  headers: Record<string, string>,
  marked: Iterable<string> = [],
): Record<string, string> {
  const flagged = new Set([...marked].map((name) => name.toLowerCase()));
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const sensitive = SENSITIVE_HEADER_NAME.test(name) || flagged.has(name.toLowerCase());
    out[name] = sensitive && !isSealedHeader(value) ? `${SEALED_HEADER}${box.seal(value)}` : value;
  }
  return out;
}

/** Whether any header value is sealed (openHeaders has work to do); allocates nothing, for the per-attempt path. */
export function hasSealedHeader(headers: Record<string, string>): boolean {
  for (const name in headers) if (isSealedHeader(headers[name] as string)) return true;
  return false;
}

/** Header values as sent; `sensitive` lists the names whose values were sealed (masked in the attempt log). */
export function openHeaders(
  box: SecretBox,
  headers: Record<string, string>,
): { headers: Record<string, string>; sensitive: string[] } {
  const sensitive = Object.keys(headers).filter((name) => isSealedHeader(headers[name]!));
  if (sensitive.length === 0) return { headers, sensitive };
  const open = { ...headers };
  for (const name of sensitive) open[name] = box.open(headers[name]!.slice(SEALED_HEADER.length));
  return { headers: open, sensitive };
}
