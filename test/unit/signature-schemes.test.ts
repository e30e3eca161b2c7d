import assert from "node:assert/strict";
import crypto from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, test } from "node:test";
import {
  hmacSignatureHeader,
  signRawHmac,
  validateHmacOptions,
  validateUserSecret,
} from "../../src/webhook/signature-schemes.ts";

const SECRET = "my-webhook-secret 123!";
const PAYLOAD = '{"id":261471,"email":"support+byron@referral-factory.com","name":"Zoë"}';

/** The seed receiver, verbatim: an Express handler comparing against req.headers["x-signature"]. */
function seedReceiverAccepts(secret: string, payload: string, headers: IncomingHttpHeaders): boolean {
  return crypto.createHmac("sha256", secret).update(payload).digest("hex") === headers["x-signature"];
}

test("known vector: HMAC-SHA256('key', 'The quick brown fox jumps over the lazy dog')", () => {
  assert.equal(
    signRawHmac("key", "The quick brown fox jumps over the lazy dog", "hex"),
    "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8",
  );
  assert.equal(
    signRawHmac("key", "The quick brown fox jumps over the lazy dog", "base64"),
    Buffer.from("f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8", "hex").toString("base64"),
  );
});

describe("hmacSignatureHeader", () => {
  test("hex, default header: the seed Express receiver accepts it", () => {
    const headers = hmacSignatureHeader("hmac-sha256-hex", SECRET, PAYLOAD, {
      header: "x-signature",
      prefix: "",
    });
    assert.deepEqual(Object.keys(headers), ["x-signature"]);
    assert.equal(seedReceiverAccepts(SECRET, PAYLOAD, headers), true);
    assert.equal(seedReceiverAccepts(SECRET, `${PAYLOAD} `, headers), false);
    assert.equal(seedReceiverAccepts(`${SECRET}x`, PAYLOAD, headers), false);
  });

  test("options default to x-signature without a prefix", () => {
    assert.deepEqual(
      hmacSignatureHeader("hmac-sha256-hex", SECRET, PAYLOAD),
      hmacSignatureHeader("hmac-sha256-hex", SECRET, PAYLOAD, { header: "x-signature", prefix: "" }),
    );
  });

  test("GitHub style: X-Hub-Signature-256 with the sha256= prefix", () => {
    const headers = hmacSignatureHeader("hmac-sha256-hex", SECRET, PAYLOAD, {
      header: "X-Hub-Signature-256",
      prefix: "sha256=",
    });
    const expected = `sha256=${crypto.createHmac("sha256", SECRET).update(PAYLOAD).digest("hex")}`;
    assert.deepEqual(headers, { "x-hub-signature-256": expected });
    const received = headers["x-hub-signature-256"] ?? "";
    assert.ok(crypto.timingSafeEqual(Buffer.from(received), Buffer.from(expected)));
  });

  test("base64 variant (Shopify-style receivers)", () => {
    const headers = hmacSignatureHeader("hmac-sha256-base64", SECRET, PAYLOAD, {
      header: "X-Shopify-Hmac-Sha256",
      prefix: "",
    });
    assert.deepEqual(headers, {
      "x-shopify-hmac-sha256": crypto.createHmac("sha256", SECRET).update(PAYLOAD, "utf8").digest("base64"),
    });
  });

  test("the secret is used as typed: a whsec_-looking secret is not base64-decoded", () => {
    const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const headers = hmacSignatureHeader("hmac-sha256-hex", secret, PAYLOAD, {
      header: "x-signature",
      prefix: "",
    });
    assert.equal(seedReceiverAccepts(secret, PAYLOAD, headers), true);
  });

  test("over real HTTP the seed receiver reads the header and verifies the raw body", async () => {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const ok = seedReceiverAccepts(SECRET, Buffer.concat(chunks).toString("utf8"), req.headers);
        res.writeHead(ok ? 200 : 401).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const send = (headers: Record<string, string>) =>
        fetch(`http://127.0.0.1:${port}/`, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: PAYLOAD,
        });
      const good = hmacSignatureHeader("hmac-sha256-hex", SECRET, PAYLOAD, {
        header: "X-Signature",
        prefix: "",
      });
      assert.equal((await send(good)).status, 200);
      const bad = hmacSignatureHeader("hmac-sha256-hex", "other-secret", PAYLOAD, {
        header: "x-signature",
        prefix: "",
      });
      assert.equal((await send(bad)).status, 401);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe("validateUserSecret", () => {
  const ok = ["12345678", "pass word", " ~!@#$%^&*()_+{}|:\"<>?`-=[]\\;',./", "x".repeat(256), SECRET];
  for (const secret of ok) {
    test(`ok: ${JSON.stringify(secret.slice(0, 40))}`, () => assert.equal(validateUserSecret(secret), null));
  }
  const bad: Array<[string, unknown, RegExp]> = [
    ["too short", "1234567", /8-256/],
    ["empty", "", /8-256/],
    ["too long", "x".repeat(257), /8-256/],
    ["not a string", 12345678, /string/],
    ["null", null, /string/],
    ["tab", "abcd\tefgh", /printable ASCII/],
    ["newline", "abcdefgh\n", /printable ASCII/],
    ["DEL", "abcdefgh\x7f", /printable ASCII/],
    ["accent", "pässwörd", /printable ASCII/],
    ["emoji", "secret🔑🔑", /printable ASCII/],
  ];
  for (const [name, secret, message] of bad) {
    test(`rejects ${name}`, () => assert.match(validateUserSecret(secret) ?? "", message));
  }
});

describe("validateHmacOptions", () => {
  const cases: Array<[string, { header?: unknown; prefix?: unknown }, string[][]]> = [
    ["empty", {}, []],
    ["GitHub", { header: "X-Hub-Signature-256", prefix: "sha256=" }, []],
    ["prefix with an inner space", { header: "authorization", prefix: "HMAC " }, []],
    ["header with a space", { header: "x signature" }, [["header"]]],
    ["header with a colon", { header: "x-sig:" }, [["header"]]],
    ["empty header", { header: "" }, [["header"]]],
    ["reserved header", { header: "Content-Type" }, [["header"]]],
    ["webhook-id is ours", { header: "webhook-id" }, [["header"]]],
    ["prefix with a newline", { prefix: "a\nb" }, [["prefix"]]],
    ["prefix starting with a space", { prefix: " x" }, [["prefix"]]],
    ["prefix not a string", { header: 1, prefix: 2 }, [["header"], ["prefix"]]],
  ];
  for (const [name, options, paths] of cases) {
    test(name, () => {
      assert.deepEqual(
        validateHmacOptions(options).map((issue) => issue.path),
        paths,
      );
    });
  }
});
