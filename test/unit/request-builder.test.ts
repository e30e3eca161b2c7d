import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { test } from "node:test";
import { Webhook } from "standardwebhooks";
import { type BuildInput, buildRequest, maskQueryTokens } from "../../src/delivery/request-builder.ts";
import type { Credentials, DeliveryOptions, EndpointRow } from "../../src/store/types.ts";
import { MASK } from "../../src/webhook/credentials.ts";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const PAYLOAD = '{"type":"invoice.paid","data":{"id":"inv_1","n":[1,2],"s":"wörld"}}';

function input(
  endpoint: { url?: string; headers?: Record<string, string>; delivery?: DeliveryOptions } = {},
  extra: Partial<BuildInput> = {},
): BuildInput {
  return {
    endpoint: {
      url: endpoint.url ?? "https://hooks.example/in",
      headers: endpoint.headers ?? {},
      delivery: endpoint.delivery ?? {},
    } as EndpointRow,
    message: { id: "msg_1", payload: PAYLOAD } as BuildInput["message"],
    secrets: [SECRET],
    credentials: null,
    timestampSeconds: Math.floor(Date.now() / 1000),
    userAgent: "Outbound/test",
    ...extra,
  };
}

test("buildRequest: Svix's request by default, signature verified by the standardwebhooks package", () => {
  const built = buildRequest(input());
  const { headers } = built.request;
  assert.deepEqual(Object.keys(headers), [
    "user-agent",
    "content-type",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
    "svix-id",
    "svix-timestamp",
    "svix-signature",
  ]);
  assert.equal(built.request.method, "POST");
  assert.equal(built.request.body, PAYLOAD);
  assert.equal(headers["content-type"], "application/json");
  assert.equal(headers["svix-signature"], headers["webhook-signature"]);
  assert.deepEqual(new Webhook(SECRET).verify(PAYLOAD, headers), JSON.parse(PAYLOAD));
  // The log shows the same headers (nothing secret here) and no copy of the payload.
  assert.deepEqual(built.logged, { method: "POST", url: "https://hooks.example/in", headers, body: null });
  assert.notEqual(built.logged.headers, headers, "the log has its own copy");
});

test("buildRequest: custom headers, sensitive names and credentials are sent as is and masked in the log", () => {
  const cases: Array<[string, Partial<BuildInput>, Record<string, string>, Record<string, string>]> = [
    [
      "names lower-cased; credential-like names masked; reserved names skipped",
      {
        endpoint: input({ headers: { "X-Team": "a", "X-Api-Key": "k1", Host: "evil", "Webhook-Id": "x" } })
          .endpoint,
      },
      { "x-team": "a", "x-api-key": "k1" },
      { "x-team": "a", "x-api-key": MASK },
    ],
    [
      "a header marked sensitive is masked whatever its name",
      { endpoint: input({ headers: { "X-Team": "a" } }).endpoint, sensitiveHeaders: ["X-TEAM"] },
      { "x-team": "a" },
      { "x-team": MASK },
    ],
    [
      "basic credentials",
      { credentials: { type: "basic", username: "u", password: "p:w" } },
      { authorization: `Basic ${Buffer.from("u:p:w").toString("base64")}` },
      { authorization: MASK },
    ],
    [
      "a header credential replaces a custom header of the same name",
      {
        endpoint: input({ headers: { "X-Auth": "old" } }).endpoint,
        credentials: { type: "header", name: "X-Auth", value: "new" },
      },
      { "x-auth": "new" },
      { "x-auth": MASK },
    ],
    [
      "an application key: the application name is not secret, even under a custom header marked sensitive",
      {
        endpoint: input({ headers: { "X-Application": "x" } }).endpoint,
        sensitiveHeaders: ["x-application"],
        credentials: { type: "applicationKey", environment: "dev", name: "n", key: "k" } as Credentials,
      },
      { "x-application": "dev-n", "x-application-key": "k" },
      { "x-application": "dev-n", "x-application-key": MASK },
    ],
    [
      "a Host credential is never sent",
      { credentials: { type: "header", name: "Host", value: "evil" } },
      {},
      {},
    ],
  ];
  for (const [name, extra, sent, shown] of cases) {
    const built = buildRequest({ ...input(), ...extra });
    const own = (headers: Record<string, string>) =>
      Object.fromEntries(
        Object.entries(headers).filter(([key]) => !/^(user-agent|content-type|webhook-|svix-)/.test(key)),
      );
    assert.deepEqual(own(built.request.headers), sent, name);
    assert.deepEqual(own(built.logged.headers), shown, name);
    assert.deepEqual(new Webhook(SECRET).verify(PAYLOAD, built.request.headers), JSON.parse(PAYLOAD), name);
  }
});

test("buildRequest: raw-HMAC and unsigned schemes carry the message id; the signature header is set last", () => {
  const hmac = (encoding: "hex" | "base64") => createHmac("sha256", SECRET).update(PAYLOAD).digest(encoding);
  const github = buildRequest(
    input({
      headers: { "X-Hub-Signature-256": "forged" },
      delivery: {
        signature: { scheme: "hmac-sha256-hex", header: "X-Hub-Signature-256", prefix: "sha256=" },
      },
    }),
  ).request.headers;
  assert.equal(github["x-hub-signature-256"], `sha256=${hmac("hex")}`);
  assert.equal(github["webhook-id"], "msg_1");
  assert.equal(github["webhook-signature"], undefined);
  const base64 = buildRequest(input({ delivery: { signature: { scheme: "hmac-sha256-base64" } } })).request
    .headers;
  assert.equal(base64["x-signature"], hmac("base64"));
  const none = buildRequest(input({ delivery: { signature: { scheme: "none" } } })).request.headers;
  assert.deepEqual(Object.keys(none), ["user-agent", "content-type", "webhook-id"]);
  const noSecret = buildRequest({
    ...input({ delivery: { signature: { scheme: "hmac-sha256-hex" } } }),
    secrets: [],
  });
  assert.equal(noSecret.request.headers["x-signature"], undefined);
});

test("buildRequest: a GET signs its query string; a form body is logged because it differs from the payload", () => {
  const get = buildRequest(input({ url: "https://hooks.example/in?token=t1", delivery: { method: "GET" } }));
  assert.equal(get.request.body, undefined);
  assert.match(
    get.request.url,
    /^https:\/\/hooks\.example\/in\?token=t1&type=invoice\.paid&data%5Bid%5D=inv_1/,
  );
  assert.equal(
    get.logged.url.startsWith(`https://hooks.example/in?token=${encodeURIComponent(MASK)}&type=`),
    true,
  );
  const form = buildRequest(input({ delivery: { bodyEncoding: "form" } }));
  assert.equal(form.request.headers["content-type"], "application/x-www-form-urlencoded");
  assert.equal(form.logged.body, form.request.body);
  // standardwebhooks verifies JSON bodies only; its signer signs any text.
  for (const built of [form, get]) {
    const signedText = built.request.body ?? new URL(built.request.url).search.slice(1);
    const signedAt = new Date(Number(built.request.headers["webhook-timestamp"]) * 1000);
    const expected = new Webhook(SECRET).sign("msg_1", signedAt, signedText);
    assert.equal(built.request.headers["webhook-signature"], expected);
  }
});

test("maskQueryTokens: the endpoint URL's own credential-like parameters, the same answer every time", () => {
  const cases: Array<[string, string, string]> = [
    ["no query", "https://h.example/x", "https://h.example/x"],
    [
      "nothing secret: the text is kept byte for byte",
      "https://h.example/x?a=1&b=%20",
      "https://h.example/x?a=1&b=%20",
    ],
    [
      "a token",
      "https://h.example/x?token=abc&a=1",
      `https://h.example/x?token=${encodeURIComponent(MASK)}&a=1`,
    ],
    [
      "every value of a repeated name, sig and api_key",
      "https://h.example/x?api_key=k&api_key=k2&sig=s&b=2",
      `https://h.example/x?api_key=${encodeURIComponent(MASK)}&api_key=${encodeURIComponent(MASK)}&sig=${encodeURIComponent(MASK)}&b=2`,
    ],
  ];
  for (const [name, url, expected] of cases) {
    assert.equal(maskQueryTokens(url), expected, name);
    assert.equal(maskQueryTokens(url), expected, `${name} (again)`);
  }
  // A GET delivery's own fields named like a token are data, logged as sent.
  assert.equal(
    maskQueryTokens("https://h.example/x?token=abc&token=mine", "https://h.example/x?token=abc"),
    `https://h.example/x?token=${encodeURIComponent(MASK)}&token=mine`,
  );
  assert.equal(
    maskQueryTokens("https://h.example/x?a=1&token=z", "https://h.example/x?a=1"),
    "https://h.example/x?a=1&token=z",
  );
});
