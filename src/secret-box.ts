import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createSecretKey,
  randomBytes,
} from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { createRandomPool } from "./random-pool.ts";
import { StartupError } from "./startup-failure.ts";

/** AES-256-GCM for secrets at rest. Format: `v1:<iv b64>:<tag b64>:<ciphertext b64>`. */
export interface SecretBox {
  seal(plain: string): string;
  open(sealed: string): string;
}

export function createSecretBox(rawKey: Buffer): SecretBox {
  if (rawKey.length !== 32) throw new Error("encryption key must be 32 bytes");
  // A KeyObject is prepared once; passing raw bytes makes Node prepare the key on every call.
  const key = createSecretKey(rawKey);
  // A fresh random IV per seal, from a pool: every keyed POST seals its answer, and randomBytes(12) per seal was
  // about as costly as the AES itself.
  const ivs = createRandomPool();
  return {
    seal(plain) {
      // Used at once (createCipheriv copies it, the text below is made before any other take).
      const iv = ivs.take(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const ciphertext = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      return `v1:${iv.toString("base64")}:${cipher.getAuthTag().toString("base64")}:${ciphertext.toString("base64")}`;
    },
    open(sealed) {
      const [version, iv, tag, ciphertext] = sealed.split(":");
      if (version !== "v1" || !iv || !tag || ciphertext === undefined)
        throw new Error("unreadable sealed secret");
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64"));
      decipher.setAuthTag(Buffer.from(tag, "base64"));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64")), decipher.final()]).toString(
        "utf8",
      );
    },
  };
}

/**
 * The key comes from OUTBOUND_ENCRYPTION_KEY (any string, hashed to 32 bytes; 64 hex chars or base64 of 32 bytes used as is)
 * or from `<dataDir>/encryption.key`, created with 0600 permissions on first start.
 */
export function loadEncryptionKey(configured: string | undefined, dataDir: string): Buffer {
  if (configured) return keyFromText(configured);
  const file = path.join(dataDir, "encryption.key");
  try {
    if (fs.existsSync(file)) {
      const text = fs.readFileSync(file, "utf8").trim();
      if (text !== "") return keyFromText(text);
      throw new Error("empty file");
    }
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const key = randomBytes(32);
    fs.writeFileSync(file, `${key.toString("base64")}\n`, { mode: 0o600, flag: "wx" });
    return key;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new StartupError(
      `OUTBOUND_ENCRYPTION_KEY is not set and the key file ${file} cannot be used (${code}). ` +
        "Restore the key file from your backup and make it readable, or set OUTBOUND_ENCRYPTION_KEY.",
    );
  }
}

/** A separate key for another purpose (e.g. signing links), so one key never serves two algorithms. */
export function deriveKey(key: Buffer, purpose: string): Buffer {
  return createHmac("sha256", key).update(`outbound:${purpose}`).digest();
}

function keyFromText(text: string): Buffer {
  if (/^[0-9a-f]{64}$/i.test(text)) return Buffer.from(text, "hex");
  const decoded = Buffer.from(text, "base64");
  if (decoded.length === 32 && decoded.toString("base64") === text) return decoded;
  return createHash("sha256").update(text).digest();
}
