import { generateSecret } from "../delivery/signer.ts";
import type { SecretBox } from "../secret-box.ts";

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
