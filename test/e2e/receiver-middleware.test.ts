/**
 * The receiver library (`outbound/receiver`) against real deliveries: the real Outbound server sends each signature
 * scheme to Express, Fastify and Hono apps on loopback that use the middleware; captured deliveries are then sent
 * again tampered, late and to a wrong-secret route, which each middleware must refuse with the reason.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { serve } from "@hono/node-server";
import express from "express";
import Fastify from "fastify";
import { Hono } from "hono";
import {
  expressWebhook,
  fastifyWebhook,
  honoWebhook,
  type MiddlewareOptions,
  type NodeWebhookRequest,
  type WebhookVariables,
} from "../../src/receiver/index.ts";
import { createEndpoint } from "../support/api.ts";
import { ensureEventType } from "../support/event-types.ts";
import type { ReceivedRequest } from "../support/receiver.ts";
import { receiverForTests, serverForTests } from "../support/servers-for-tests.ts";

interface Scheme {
  name: string;
  secret: string;
  delivery?: Record<string, unknown>;
  options: Omit<MiddlewareOptions, "secret">;
}

const SCHEMES: Scheme[] = [
  { name: "standard", secret: `whsec_${randomBytes(24).toString("base64")}`, options: {} },
  {
    name: "hex",
    secret: "hex receiver secret",
    delivery: { signature: { scheme: "hmac-sha256-hex", header: "X-Hub-Signature-256", prefix: "sha256=" } },
    options: { scheme: "hmac-sha256-hex", header: "x-hub-signature-256", prefix: "sha256=" },
  },
  {
    name: "base64",
    secret: "base64 receiver secret",
    delivery: { signature: { scheme: "hmac-sha256-base64" } },
    options: { scheme: "hmac-sha256-base64" },
  },
];

/** The three routes every framework app has per scheme: right secret, wrong secret, clock 10 minutes ahead. */
const VARIANTS = {
  ok: (s: Scheme): MiddlewareOptions => ({ ...s.options, secret: s.secret }),
  "wrong-secret": (s: Scheme): MiddlewareOptions => ({
    ...s.options,
    secret: s.name === "standard" ? `whsec_${randomBytes(24).toString("base64")}` : "some other secret",
  }),
  late: (s: Scheme): MiddlewareOptions => ({
    ...s.options,
    secret: s.secret,
    now: () => Date.now() + 600_000,
  }),
};

interface Accepted {
  framework: string;
  scheme: string;
  id: string | undefined;
  payload: unknown;
}
const accepted: Accepted[] = [];
const frameworks: Array<{ name: string; url: string; close(): Promise<void> }> = [];

const server = serverForTests();
const capture = receiverForTests();

async function listening(listen: (port: 0, host: string) => Server): Promise<string> {
  const http = listen(0, "127.0.0.1");
  if (!http.listening) await new Promise((resolve) => http.once("listening", resolve));
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
}

async function startExpress(): Promise<void> {
  const app = express();
  for (const scheme of SCHEMES) {
    for (const [variant, options] of Object.entries(VARIANTS)) {
      app.post(`/${scheme.name}/${variant}`, expressWebhook(options(scheme)), (req, res) => {
        const { webhook } = req as NodeWebhookRequest;
        accepted.push({ framework: "express", scheme: scheme.name, id: webhook?.id, payload: req.body });
        res.json({ received: webhook?.id });
      });
    }
  }
  const standard = SCHEMES[0]!;
  // The pitfall: a JSON parser ran first. And the documented alternative: express.raw() first is fine.
  app.post("/pitfall", express.json(), expressWebhook({ secret: standard.secret }), (_req, res) => {
    res.sendStatus(204);
  });
  app.post(
    "/after-raw",
    express.raw({ type: "*/*" }),
    expressWebhook({ secret: standard.secret }),
    (req, res) => {
      res.json({ received: (req as NodeWebhookRequest).webhook?.id });
    },
  );
  let http: Server | undefined;
  const url = await listening((port, host) => {
    http = app.listen(port, host);
    return http;
  });
  frameworks.push({
    name: "express",
    url,
    close: () => new Promise((resolve) => http!.close(() => resolve())),
  });
}

async function startFastify(): Promise<void> {
  const app = Fastify();
  await app.register(async (hooks) => {
    // Fastify's own JSON parser would run first; the plugin replaces the scope's parsers with a raw one.
    for (const scheme of SCHEMES) {
      for (const [variant, options] of Object.entries(VARIANTS)) {
        await hooks.register(async (route) => {
          await route.register(fastifyWebhook(options(scheme)));
          route.post(`/${scheme.name}/${variant}`, async (request) => {
            const { webhook } = request as typeof request & { webhook?: { id?: string } };
            accepted.push({
              framework: "fastify",
              scheme: scheme.name,
              id: webhook?.id,
              payload: request.body,
            });
            return { received: webhook?.id };
          });
        });
      }
    }
    await hooks.register(async (route) => {
      await route.register(fastifyWebhook({ secret: SCHEMES[0]!.secret }));
      // The pitfall: someone adds a JSON parser to the webhook scope after the plugin.
      route.removeAllContentTypeParsers();
      route.addContentTypeParser("*", { parseAs: "string" }, (_request, body, done) => {
        done(null, JSON.parse(body as string));
      });
      route.post("/pitfall", async () => ({}));
    });
  });
  const address = await app.listen({ port: 0, host: "127.0.0.1" });
  frameworks.push({ name: "fastify", url: address, close: () => app.close() });
}

async function startHono(): Promise<void> {
  const app = new Hono<{ Variables: WebhookVariables }>();
  for (const scheme of SCHEMES) {
    for (const [variant, options] of Object.entries(VARIANTS)) {
      app.post(`/${scheme.name}/${variant}`, honoWebhook(options(scheme)), (c) => {
        const webhook = c.get("webhook");
        accepted.push({ framework: "hono", scheme: scheme.name, id: webhook.id, payload: webhook.payload });
        return c.json({ received: webhook.id });
      });
    }
  }
  app.post(
    "/pitfall",
    async (c, next) => {
      await c.req.raw.json(); // the pitfall: the request stream was consumed before the middleware
      await next();
    },
    honoWebhook({ secret: SCHEMES[0]!.secret }),
    (c) => c.body(null, 204),
  );
  // Hono's own c.req.json() keeps the text cached, so reading it first does no harm.
  app.post(
    "/after-raw",
    async (c, next) => {
      await c.req.json();
      await next();
    },
    honoWebhook({ secret: SCHEMES[0]!.secret }),
    (c) => c.json({ received: c.get("webhook").id }),
  );
  let http: Server | undefined;
  const url = await listening((port, hostname) => {
    http = serve({ fetch: app.fetch, port, hostname }) as Server;
    return http;
  });
  frameworks.push({ name: "hono", url, close: () => new Promise((resolve) => http!.close(() => resolve())) });
}

before(async () => {
  await Promise.all([startExpress(), startFastify(), startHono()]);
});
after(() => Promise.all(frameworks.map((framework) => framework.close())));

/** One real delivery per scheme, captured as sent (headers and raw body), for the refusal tests. */
const captured = new Map<string, ReceivedRequest>();
const payload = { type: "invoice.paid", amount: 1299, note: "déjà vu ✓", lines: [{ sku: "A-1" }] };

test("each middleware accepts a real Outbound delivery of each signature scheme", async () => {
  await ensureEventType(server.svix, "invoice.paid");
  const app = await server.svix.application.create({ name: "receiver middleware" });
  for (const scheme of SCHEMES) {
    const common = { secret: scheme.secret, ...(scheme.delivery ? { delivery: scheme.delivery } : {}) };
    for (const framework of frameworks) {
      await createEndpoint(server, app.id, { url: `${framework.url}/${scheme.name}/ok`, ...common });
    }
    await createEndpoint(server, app.id, { url: `${capture.url}/${scheme.name}`, ...common });
  }
  const message = await server.svix.message.create(app.id, { eventType: "invoice.paid", payload });

  await capture.waitFor(SCHEMES.length);
  const expected = frameworks.length * SCHEMES.length;
  await capture.waitUntil(() => accepted.length >= expected, `${expected} verified deliveries`);
  for (const framework of frameworks) {
    for (const scheme of SCHEMES) {
      const got = accepted.filter((a) => a.framework === framework.name && a.scheme === scheme.name);
      assert.equal(got.length, 1, `${framework.name} accepted one ${scheme.name} delivery`);
      assert.deepEqual(got[0], { framework: framework.name, scheme: scheme.name, id: message.id, payload });
    }
  }
  for (const request of capture.requests) captured.set(request.url.split("/").pop()!, request);
  assert.deepEqual([...captured.keys()].sort(), SCHEMES.map((s) => s.name).sort());
});

/** Sends a captured delivery again (its signature headers and raw body, or `body` instead). */
async function resend(url: string, request: ReceivedRequest, body = request.body) {
  const headers = Object.fromEntries(
    Object.entries(request.headers).filter(([name]) => /^(content-type|webhook-|svix-|x-)/.test(name)),
  );
  const response = await fetch(url, { method: "POST", headers, body });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) as Record<string, unknown> };
  } catch {
    throw new Error(`${url} answered ${response.status} with ${text}`);
  }
}

test("each middleware refuses a tampered body, a wrong secret and an old timestamp, with the reason", async () => {
  assert.equal(captured.size, SCHEMES.length, "the previous test captured one delivery per scheme");
  for (const framework of frameworks) {
    for (const scheme of SCHEMES) {
      const request = captured.get(scheme.name)!;
      const base = `${framework.url}/${scheme.name}`;
      const where = `${framework.name} ${scheme.name}`;

      // The untouched request still verifies: the refusals below are about the change, not the resending.
      assert.equal((await resend(`${base}/ok`, request)).status, 200, `${where}: untouched`);

      const tampered = await resend(`${base}/ok`, request, request.body.replace("1299", "1"));
      assert.equal(tampered.status, 401, `${where}: tampered`);
      assert.equal(tampered.body.error, "invalid-signature");

      const wrongSecret = await resend(`${base}/wrong-secret`, request);
      assert.equal(wrongSecret.status, 401, `${where}: wrong secret`);
      assert.equal(wrongSecret.body.error, "invalid-signature");

      const late = await resend(`${base}/late`, request);
      if (scheme.name === "standard") {
        assert.equal(late.status, 401, `${where}: old timestamp`);
        assert.equal(late.body.error, "timestamp-too-old");
        assert.match(String(late.body.message), /s old \(tolerance 300 s\)/);
      } else {
        // The raw-HMAC schemes sign no timestamp: there is nothing to be late.
        assert.equal(late.status, 200, `${where}: no timestamp to check`);
      }

      const unsigned = await fetch(`${base}/ok`, { method: "POST", body: request.body });
      assert.equal(unsigned.status, 400, `${where}: no signature headers`);
      assert.equal(((await unsigned.json()) as { error: string }).error, "missing-header");
    }
  }
});

test("a body parser that ran first is named as the problem (500, so Outbound retries once it is fixed)", async () => {
  const request = captured.get("standard")!;
  for (const framework of frameworks) {
    const answer = await resend(`${framework.url}/pitfall`, request);
    assert.equal(answer.status, 500, framework.name);
    assert.equal(answer.body.error, "raw-body-unavailable", framework.name);
    assert.match(String(answer.body.message), /body parser ran first/, framework.name);
  }
  for (const framework of frameworks.filter((f) => f.name !== "fastify")) {
    const afterRaw = await resend(`${framework.url}/after-raw`, request);
    assert.deepEqual(
      afterRaw,
      { status: 200, body: { received: request.headers["webhook-id"] } },
      framework.name,
    );
  }
});
