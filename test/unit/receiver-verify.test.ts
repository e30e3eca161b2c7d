import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  createReplayGuard,
  type VerifyOptions,
  verifyDelivery,
  verifyWebhook,
  WebhookVerificationError,
} from "../../src/receiver/index.ts";
import { hmacSignatureHeader } from "../../src/webhook/signature-schemes.ts";
import { standardHeaders } from "../../src/webhook/signer.ts";

// The Standard Webhooks / Svix reference vector: it proves the receiver agrees with the published algorithm,
// not merely with Outbound's own signer.
const VECTOR = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  headers: {
    "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
    "webhook-timestamp": "1614265330",
    "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
  },
  body: '{"test": 2432232314}',
  nowMs: 1614265330_000,
};

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const OTHER = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const NOW = 1_800_000_000;
const BODY = JSON.stringify({ hello: "wörld", n: [1, 2] });
const standard = (secrets: string[], body = BODY, ts = NOW): Record<string, string> => ({
  ...standardHeaders(secrets, "msg_1", ts, body),
});
const svixOnly = () => {
  const {
    "svix-id": id,
    "svix-timestamp": ts,
    "svix-signature": sig,
  } = standardHeaders([SECRET], "msg_1", NOW, BODY);
  return { "svix-id": id, "svix-timestamp": ts, "svix-signature": sig };
};
const hmac = (scheme: "hmac-sha256-hex" | "hmac-sha256-base64", prefix = "", header = "x-signature") => ({
  "webhook-id": "msg_2",
  ...hmacSignatureHeader(scheme, "typed secret 1", BODY, { header, prefix }),
});

const cases: Array<{
  name: string;
  body?: string;
  headers: Record<string, string>;
  options: Partial<VerifyOptions>;
  refused?: string;
}> = [
  { name: "standard headers", headers: standard([SECRET]), options: {} },
  { name: "svix-* headers only", headers: svixOnly(), options: {} },
  {
    name: "rotation: two signatures, receiver knows the old one",
    headers: standard([OTHER, SECRET]),
    options: {},
  },
  { name: "receiver knows both secrets", headers: standard([OTHER]), options: { secret: [SECRET, OTHER] } },
  { name: "wrong secret", headers: standard([OTHER]), options: {}, refused: "invalid-signature" },
  {
    name: "tampered body",
    headers: standard([SECRET]),
    body: `${BODY} `,
    options: {},
    refused: "invalid-signature",
  },
  {
    name: "old timestamp",
    headers: standard([SECRET], BODY, NOW - 301),
    options: {},
    refused: "timestamp-too-old",
  },
  { name: "timestamp at the tolerance", headers: standard([SECRET], BODY, NOW - 300), options: {} },
  {
    name: "timestamp in the future",
    headers: standard([SECRET], BODY, NOW + 301),
    options: {},
    refused: "timestamp-in-future",
  },
  {
    name: "tolerance widened",
    headers: standard([SECRET], BODY, NOW - 3600),
    options: { toleranceSeconds: 3600 },
  },
  {
    name: "missing signature",
    headers: { "webhook-id": "msg_1", "webhook-timestamp": String(NOW) },
    options: {},
    refused: "missing-header",
  },
  {
    name: "non-numeric timestamp",
    headers: { ...standard([SECRET]), "webhook-timestamp": "soon", "svix-timestamp": "soon" },
    options: {},
    refused: "invalid-timestamp",
  },
  {
    name: "unknown signature version only",
    headers: { ...standard([SECRET]), "webhook-signature": "v2,abc" },
    options: {},
    refused: "invalid-signature",
  },
  {
    name: "signed body that is not JSON",
    body: "not json",
    headers: standard([SECRET], "not json"),
    options: {},
    refused: "invalid-payload",
  },
  {
    name: "hex HMAC",
    headers: hmac("hmac-sha256-hex"),
    options: { scheme: "hmac-sha256-hex", secret: "typed secret 1" },
  },
  {
    name: "hex HMAC with a prefix in a named header (GitHub style)",
    headers: hmac("hmac-sha256-hex", "sha256=", "X-Hub-Signature-256"),
    options: {
      scheme: "hmac-sha256-hex",
      secret: "typed secret 1",
      header: "x-hub-signature-256",
      prefix: "sha256=",
    },
  },
  {
    name: "hex HMAC missing its prefix",
    headers: hmac("hmac-sha256-hex"),
    options: { scheme: "hmac-sha256-hex", secret: "typed secret 1", prefix: "sha256=" },
    refused: "invalid-signature",
  },
  {
    name: "base64 HMAC",
    headers: hmac("hmac-sha256-base64", "v0="),
    options: { scheme: "hmac-sha256-base64", secret: "typed secret 1", prefix: "v0=" },
  },
  {
    name: "base64 HMAC, wrong secret",
    headers: hmac("hmac-sha256-base64"),
    options: { scheme: "hmac-sha256-base64", secret: "typed secret 2" },
    refused: "invalid-signature",
  },
  {
    name: "hex HMAC, tampered body",
    body: BODY.replace("1", "9"),
    headers: hmac("hmac-sha256-hex"),
    options: { scheme: "hmac-sha256-hex", secret: "typed secret 1" },
    refused: "invalid-signature",
  },
  {
    name: "HMAC header absent",
    headers: { "webhook-id": "msg_2" },
    options: { scheme: "hmac-sha256-hex", secret: "typed secret 1" },
    refused: "missing-header",
  },
];

for (const c of cases) {
  test(`verifyWebhook: ${c.name}`, () => {
    const options: VerifyOptions = { secret: SECRET, now: () => NOW * 1000, ...c.options };
    const run = () => verifyWebhook(c.body ?? BODY, c.headers, options);
    if (c.refused === undefined) {
      assert.deepEqual(run(), JSON.parse(BODY));
    } else {
      assert.throws(run, (error: unknown) => {
        assert.ok(error instanceof WebhookVerificationError);
        assert.equal(error.reason, c.refused);
        return true;
      });
    }
  });
}

test("verifyWebhook matches the Standard Webhooks reference vector", () => {
  const now = () => VECTOR.nowMs;
  assert.deepEqual(verifyWebhook(VECTOR.body, VECTOR.headers, { secret: VECTOR.secret, now }), {
    test: 2432232314,
  });
});

test("a secret alone is enough for the Standard scheme; bytes and Fetch Headers work too", () => {
  const headers: Record<string, string> = {
    ...standardHeaders([SECRET], "msg_1", Math.floor(Date.now() / 1000), BODY),
  };
  assert.deepEqual(verifyWebhook(BODY, headers, SECRET), JSON.parse(BODY));
  assert.deepEqual(verifyWebhook(Buffer.from(BODY), new Headers(headers), [SECRET]), JSON.parse(BODY));
  const upper = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]));
  assert.deepEqual(verifyWebhook(new TextEncoder().encode(BODY), upper, SECRET), JSON.parse(BODY));
});

test("status per reason: 400 for a malformed request, 401 for an unproven one", () => {
  const statusOf = (headers: Record<string, string>) => {
    try {
      verifyWebhook(BODY, headers, { secret: SECRET, now: () => NOW * 1000 });
      return 0;
    } catch (error) {
      return (error as WebhookVerificationError).status;
    }
  };
  assert.equal(statusOf({}), 400);
  assert.equal(statusOf(standard([OTHER])), 401);
  assert.equal(statusOf(standard([SECRET], BODY, NOW - 1000)), 401);
});

test("form format parses a verified urlencoded body (GET deliveries sign the query string)", () => {
  const query = "email=a%40b.c&participant%5Bid%5D=7";
  const headers = {
    "webhook-id": "msg_3",
    ...hmacSignatureHeader("hmac-sha256-hex", "typed secret 1", query),
  };
  const options: VerifyOptions = { scheme: "hmac-sha256-hex", secret: "typed secret 1", format: "form" };
  assert.deepEqual(verifyDelivery(query, headers, options), {
    id: "msg_3",
    timestamp: undefined,
    payload: { email: "a@b.c", "participant[id]": "7" },
  });
});

test("replay guard: the same signed request twice is refused, Outbound's retry (new timestamp) is not", () => {
  let nowMs = NOW * 1000;
  const now = () => nowMs;
  const isReplay = createReplayGuard({ now });
  const options: VerifyOptions = { secret: SECRET, now, isReplay };
  const first = standard([SECRET]);
  verifyWebhook(BODY, first, options);
  assert.throws(() => verifyWebhook(BODY, first, options), { reason: "replayed" });
  nowMs += 5_000;
  verifyWebhook(BODY, standard([SECRET], BODY, NOW + 5), options);
  // A forged request does not reach the hook, so it cannot poison the guard.
  const calls: string[] = [];
  assert.throws(
    () =>
      verifyWebhook(BODY, standard([OTHER], BODY, NOW + 6), {
        ...options,
        isReplay: (d) => {
          calls.push(d.id);
          return false;
        },
      }),
    { reason: "invalid-signature" },
  );
  assert.deepEqual(calls, []);
});

test("replay guard forgets entries once the tolerance window has passed and stays bounded", () => {
  let nowMs = NOW * 1000;
  const isReplay = createReplayGuard({ now: () => nowMs, toleranceSeconds: 10, maxEntries: 2 });
  assert.equal(isReplay({ id: "a", timestamp: NOW }), false);
  assert.equal(isReplay({ id: "a", timestamp: NOW }), true);
  nowMs += 11_000;
  assert.equal(isReplay({ id: "a", timestamp: NOW }), false);
  assert.equal(isReplay({ id: "b", timestamp: NOW + 11 }), false);
  assert.equal(isReplay({ id: "c", timestamp: NOW + 11 }), false);
  assert.equal(isReplay({ id: "a", timestamp: NOW }), false, "the oldest entry was dropped at the bound");
  assert.equal(isReplay({ id: "x", timestamp: undefined }), false, "no signed timestamp: not tracked");
  assert.equal(isReplay({ id: "x", timestamp: undefined }), false);
});

test("src/receiver imports nothing from the server code (it is compiled and shipped on its own)", () => {
  const dir = fileURLToPath(new URL("../../src/receiver/", import.meta.url));
  for (const file of readdirSync(dir)) {
    const source = readFileSync(path.join(dir, file), "utf8");
    for (const [, specifier] of source.matchAll(/from "([^"]+)"/g)) {
      assert.ok(
        specifier?.startsWith("./") || specifier?.startsWith("node:"),
        `${file} imports ${specifier}: the receiver may only import its own files and node: modules`,
      );
    }
  }
});
