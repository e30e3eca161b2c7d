import assert from "node:assert/strict";
import { test } from "node:test";
import { Webhook } from "standardwebhooks";
import { generateSecret, signStandard, standardHeaders } from "../../src/webhook/signer.ts";

// The example from the Standard Webhooks / Svix verification docs.
const VECTOR = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  msgId: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};

test("signStandard matches the Standard Webhooks reference vector", () => {
  assert.equal(signStandard(VECTOR.secret, VECTOR.msgId, VECTOR.timestamp, VECTOR.body), VECTOR.signature);
});

test("a different body, id or timestamp changes the signature", () => {
  const base = signStandard(VECTOR.secret, VECTOR.msgId, VECTOR.timestamp, VECTOR.body);
  assert.notEqual(signStandard(VECTOR.secret, VECTOR.msgId, VECTOR.timestamp, '{"test": 1}'), base);
  assert.notEqual(signStandard(VECTOR.secret, "msg_other", VECTOR.timestamp, VECTOR.body), base);
  assert.notEqual(signStandard(VECTOR.secret, VECTOR.msgId, VECTOR.timestamp + 1, VECTOR.body), base);
});

test("generated secrets are whsec_ + base64 of 24 bytes and unique", () => {
  const a = generateSecret();
  const b = generateSecret();
  assert.match(a, /^whsec_[A-Za-z0-9+/]{32}$/);
  assert.equal(Buffer.from(a.slice(6), "base64").length, 24);
  assert.notEqual(a, b);
});

test("headers verify with the standardwebhooks package, with one or two secrets", () => {
  const oldSecret = generateSecret();
  const newSecret = generateSecret();
  const now = Math.floor(Date.now() / 1000);
  const body = JSON.stringify({ hello: "wörld", n: [1, 2] });
  const headers = standardHeaders([newSecret, oldSecret], "msg_1", now, body);
  assert.equal(headers["webhook-signature"].split(" ").length, 2);
  assert.equal(headers["svix-signature"], headers["webhook-signature"]);
  for (const secret of [newSecret, oldSecret]) {
    assert.deepEqual(new Webhook(secret).verify(body, { ...headers }), JSON.parse(body));
  }
  assert.throws(() => new Webhook(generateSecret()).verify(body, { ...headers }));
});
