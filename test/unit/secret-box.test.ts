import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { createSecretBox, deriveKey, loadEncryptionKey } from "../../src/secret-box.ts";

test("sealed secrets open with the same key only, and every seal differs", () => {
  const key = Buffer.alloc(32, 7);
  const box = createSecretBox(key);
  const a = box.seal("whsec_topsecret");
  const b = box.seal("whsec_topsecret");
  assert.notEqual(a, b, "random IV per seal");
  assert.ok(!a.includes("topsecret"));
  assert.equal(box.open(a), "whsec_topsecret");
  assert.throws(() => createSecretBox(Buffer.alloc(32, 8)).open(a));
  const [version, iv, tag, data] = a.split(":");
  const flipped = Buffer.from(data!, "base64");
  flipped[0] = (flipped[0] ?? 0) ^ 1;
  assert.throws(
    () => box.open([version, iv, tag, flipped.toString("base64")].join(":")),
    "tampering is detected",
  );
});

test("every seal has its own IV, also past one pool of random bytes", () => {
  const box = createSecretBox(Buffer.alloc(32, 9));
  const ivs = new Set<string>();
  for (let i = 0; i < 1_000; i++) {
    const sealed = box.seal(`secret ${i}`);
    ivs.add(sealed.split(":")[1] ?? "");
    assert.equal(box.open(sealed), `secret ${i}`);
  }
  assert.equal(ivs.size, 1_000);
});

test("the key file is created once with mode 0600 and reused", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "outbound-key-"));
  try {
    const first = loadEncryptionKey(undefined, dir);
    const file = path.join(dir, "encryption.key");
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(loadEncryptionKey(undefined, dir), first);
    assert.equal(first.length, 32);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("configured keys: hex and base64 are used as is, a passphrase is hashed; derived keys differ by purpose", () => {
  const hex = "ab".repeat(32);
  assert.deepEqual(loadEncryptionKey(hex, "/nonexistent"), Buffer.from(hex, "hex"));
  const b64 = Buffer.alloc(32, 3).toString("base64");
  assert.deepEqual(loadEncryptionKey(b64, "/nonexistent"), Buffer.alloc(32, 3));
  assert.equal(loadEncryptionKey("correct horse battery staple", "/nonexistent").length, 32);
  const key = Buffer.alloc(32, 1);
  assert.notDeepEqual(deriveKey(key, "links"), deriveKey(key, "other"));
  assert.notDeepEqual(deriveKey(key, "links"), key);
});
