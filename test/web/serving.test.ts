/**
 * The built UI served by the API process (no browser): page and asset headers, the missing-build page, the
 * dashboard's session cookie and its CSRF rule, and the request preview route the endpoint builder uses.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, afterEach, before, describe, test } from "node:test";
import Fastify from "fastify";
import { registerWebAssets } from "../../src/api/web-assets.ts";
import { ConfigError, loadConfig } from "../../src/config.ts";
import { api } from "../support/api.ts";
import {
  reportServerLogsOnFailure,
  startServer,
  stopAllServers,
  type TestServer,
} from "../support/server.ts";

const FRAMER = "http://127.0.0.1:1 https://app.example.com";
let server: TestServer;

before(async () => {
  server = await startServer({ OUTBOUND_PORTAL_FRAME_ANCESTORS: FRAMER });
});
after(stopAllServers);
afterEach((t) => reportServerLogsOnFailure(t));

describe("pages and assets", () => {
  test("the dashboard and the portal answer their built index.html with a strict CSP and no-cache", async () => {
    for (const [page, ancestors] of [
      ["/", "'none'"],
      ["/portal/", FRAMER],
      ["/portal", FRAMER],
    ] as const) {
      const response = await fetch(`${server.url}${page}`);
      const html = await response.text();
      assert.equal(response.status, 200, page);
      assert.match(html, /<div id="root"><\/div>/);
      assert.equal(response.headers.get("cache-control"), "no-cache");
      const csp = response.headers.get("content-security-policy") ?? "";
      assert.match(csp, /script-src 'self';/);
      assert.match(csp, /default-src 'none'/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      assert.ok(csp.endsWith(`frame-ancestors ${ancestors}`), `${page}: ${csp}`);
    }
  });

  test("hashed assets are cached for a year; anything else under /assets answers 404", async () => {
    const html = await (await fetch(`${server.url}/`)).text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(script, html);
    const response = await fetch(`${server.url}${script}`);
    await response.arrayBuffer();
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("cache-control"), "public, max-age=31536000, immutable");
    assert.match(response.headers.get("content-type") ?? "", /^text\/javascript/);
    for (const missing of [
      "/assets/nope-123.js",
      "/assets/..%2Fpackage.json",
      "/assets/%2e%2e%2f%2e%2e%2fpackage.json",
    ]) {
      const answer = await fetch(`${server.url}${missing}`);
      await answer.arrayBuffer();
      assert.equal(answer.status, 404, missing);
    }
  });

  test("without a build, / explains how to make one instead of failing", async () => {
    const empty = await mkdtemp(path.join(tmpdir(), "outbound-noweb-"));
    const app = Fastify();
    registerWebAssets(app, loadConfig({}), empty);
    const response = await app.inject({ method: "GET", url: "/" });
    assert.equal(response.statusCode, 503);
    assert.match(response.body, /npm run build:web/);
    assert.equal(response.headers["content-type"], "text/html; charset=utf-8");
    await app.close();
    await rm(empty, { recursive: true });
  });

  test("OUTBOUND_PORTAL_FRAME_ANCESTORS takes CSP sources only", () => {
    assert.equal(loadConfig({}).portalFrameAncestors, "'self'");
    assert.equal(
      loadConfig({ OUTBOUND_PORTAL_FRAME_ANCESTORS: "https://a.example.com, https://*.b.example.com" })
        .portalFrameAncestors,
      "https://a.example.com https://*.b.example.com",
    );
    for (const bad of ["https://a.example.com; script-src *", "'unsafe-inline'", "javascript:alert(1)'"]) {
      assert.throws(() => loadConfig({ OUTBOUND_PORTAL_FRAME_ANCESTORS: bad }), ConfigError, bad);
    }
  });
});

describe("dashboard session cookie", () => {
  const signIn = (token: string, headers: Record<string, string> = { "x-outbound-csrf": "1" }) =>
    fetch(`${server.url}/api/v1/session/sign-in`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ token }),
    });

  test("the API token buys an HttpOnly SameSite=Strict cookie that authenticates like the token", async () => {
    const wrong = await signIn("not-the-token");
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get("set-cookie"), null);

    const response = await signIn(server.token);
    assert.equal(response.status, 204);
    const setCookie = response.headers.get("set-cookie") ?? "";
    assert.match(setCookie, /^outbound_session=[^;]+; Path=\/; Max-Age=43200; HttpOnly; SameSite=Strict$/);
    assert.ok(!setCookie.includes(server.token), "the cookie must not carry the token");
    const cookie = setCookie.split(";")[0] ?? "";

    const who = await fetch(`${server.url}/api/v1/session`, { headers: { cookie } });
    assert.deepEqual(await who.json(), { kind: "admin" });
    const list = await fetch(`${server.url}/api/v1/app`, { headers: { cookie } });
    assert.equal(list.status, 200);
    await list.arrayBuffer();

    const create = (headers: Record<string, string>) =>
      fetch(`${server.url}/api/v1/app`, {
        method: "POST",
        headers: { cookie, "content-type": "application/json", ...headers },
        body: JSON.stringify({ name: "cookie app" }),
      });
    const noHeader = await create({});
    assert.equal(noHeader.status, 403, await noHeader.text());
    const foreign = await create({ "x-outbound-csrf": "1", origin: "http://evil.example" });
    assert.equal(foreign.status, 403, await foreign.text());
    const same = await create({ "x-outbound-csrf": "1", origin: server.url });
    assert.equal(same.status, 201, await same.text());
    // Behind a TLS-terminating proxy the browser's origin says https for the same host.
    const proxied = await create({ "x-outbound-csrf": "1", origin: server.url.replace("http:", "https:") });
    assert.equal(proxied.status, 201, await proxied.text());
    const otherPort = await create({ "x-outbound-csrf": "1", origin: "http://127.0.0.1:1" });
    assert.equal(otherPort.status, 403, await otherPort.text());

    const forged = `${cookie.slice(0, -3)}abc`;
    const anonymous = await fetch(`${server.url}/api/v1/session`, { headers: { cookie: forged } });
    assert.deepEqual(await anonymous.json(), { kind: null });

    const out = await fetch(`${server.url}/api/v1/session/sign-out`, {
      method: "POST",
      headers: { cookie, "x-outbound-csrf": "1" },
    });
    assert.equal(out.status, 204);
    assert.match(
      out.headers.get("set-cookie") ?? "",
      /^outbound_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict$/,
    );
  });

  test("sign-in needs the CSRF header; a portal token cannot sign in but can ask who it is", async () => {
    const noHeader = await signIn(server.token, {});
    assert.equal(noHeader.status, 403);
    const app = await api<{ id: string }>(server, "POST", "/api/v1/app", { name: "portal app" });
    const portal = await api<{ token: string; url: string }>(
      server,
      "POST",
      `/api/v1/auth/app-portal-access/${app.body.id}`,
      {},
    );
    assert.match(portal.body.url, /\/portal\/#token=/);
    assert.equal((await signIn(portal.body.token)).status, 401);
    const who = await fetch(`${server.url}/api/v1/session`, {
      headers: { authorization: `Bearer ${portal.body.token}` },
    });
    assert.deepEqual(await who.json(), { kind: "app", appId: app.body.id, readOnly: false });
    const readOnly = await api<{ token: string }>(
      server,
      "POST",
      `/api/v1/auth/app-portal-access/${app.body.id}`,
      {
        readOnly: true,
      },
    );
    const reader = await fetch(`${server.url}/api/v1/session`, {
      headers: { authorization: `Bearer ${readOnly.body.token}` },
    });
    assert.deepEqual(await reader.json(), { kind: "app", appId: app.body.id, readOnly: true });
  });
});

describe("request preview", () => {
  test("an unsaved endpoint: the exact GET query string, masked credentials, and whether the filter matches", async () => {
    const app = await api<{ id: string }>(server, "POST", "/api/v1/app", { name: "preview app" });
    const endpoint = {
      url: "https://rf.example.com/hook?campaign=7",
      delivery: {
        method: "GET",
        credentials: { type: "basic", username: "rf", password: "s3cret" },
        mapping: {
          fields: [
            { to: "email_address", from: "email" },
            { to: "first", from: "name.first" },
            { to: "source_system", value: "outbound" },
          ],
        },
        filter: { source: { $in: ["Referred", "Direct"] } },
      },
    };
    const payload = { name: { first: "Ada" }, email: "ada@example.com", source: "Referred" };
    const preview = await api<Record<string, unknown>>(
      server,
      "POST",
      `/api/v1/app/${app.body.id}/endpoint/preview-request`,
      {
        eventType: "user.joined",
        payload,
        endpoint,
      },
    );
    assert.equal(preview.status, 200, JSON.stringify(preview.body));
    assert.equal(preview.body.method, "GET");
    assert.equal(
      preview.body.url,
      "https://rf.example.com/hook?campaign=7&email_address=ada%40example.com&first=Ada&source_system=outbound",
    );
    assert.equal(preview.body.body, null);
    assert.equal(preview.body.wouldDeliver, true);
    assert.equal((preview.body.headers as Record<string, string>).authorization, "********");

    const filtered = await api<Record<string, unknown>>(
      server,
      "POST",
      `/api/v1/app/${app.body.id}/endpoint/preview-request`,
      {
        eventType: "user.joined",
        payload: { ...payload, source: "Added" },
        endpoint,
      },
    );
    assert.equal(filtered.body.wouldDeliver, false);
    const endpoints = await api<{ data: unknown[] }>(server, "GET", `/api/v1/app/${app.body.id}/endpoint`);
    assert.equal(endpoints.body.data.length, 0, "a preview stores nothing");
  });

  test("an https-only application refuses http:// with the reason, exactly as saving would", async () => {
    const app = await api<{ id: string }>(server, "POST", "/api/v1/app", {
      name: "strict app",
      requireHttps: true,
    });
    const preview = await api<{ detail: Array<{ loc: string[]; msg: string }> }>(
      server,
      "POST",
      `/api/v1/app/${app.body.id}/endpoint/preview-request`,
      { eventType: "user.joined", endpoint: { url: "http://example.com/hook" } },
    );
    assert.equal(preview.status, 422);
    assert.deepEqual(preview.body.detail[0]?.loc, ["body", "url"]);
    assert.match(preview.body.detail[0]?.msg ?? "", /https/);
  });

  test("a saved endpoint with unsaved changes applied; the saved one is unchanged", async () => {
    const app = await api<{ id: string }>(server, "POST", "/api/v1/app", { name: "saved preview" });
    const created = await api<{ id: string }>(server, "POST", `/api/v1/app/${app.body.id}/endpoint`, {
      url: "https://example.com/in",
      headers: { "x-one": "1", "x-two": "2" },
      delivery: { bodyEncoding: "form" },
    });
    const path = `/api/v1/app/${app.body.id}/endpoint/${created.body.id}/preview-request`;
    const saved = await api<{ headers: Record<string, string>; body: string }>(server, "POST", path, {
      eventType: "a.b",
      payload: { a: 1, b: [1, 2] },
    });
    assert.equal(saved.body.body, "a=1&b%5B0%5D=1&b%5B1%5D=2");
    assert.equal(saved.body.headers["x-two"], "2");
    assert.match(saved.body.headers["webhook-signature"] ?? "", /^v1,/);
    const changed = await api<{ headers: Record<string, string>; body: string }>(server, "POST", path, {
      eventType: "a.b",
      payload: { a: 1 },
      endpoint: { headers: { "x-one": "one" }, delivery: { bodyEncoding: "json" } },
    });
    assert.equal(changed.body.body, '{"a":1}');
    assert.equal(changed.body.headers["x-one"], "one");
    assert.equal(changed.body.headers["x-two"], undefined);
    const headers = await api<{ headers: Record<string, string> }>(
      server,
      "GET",
      `/api/v1/app/${app.body.id}/endpoint/${created.body.id}/headers`,
    );
    assert.deepEqual(headers.body.headers, { "x-one": "1", "x-two": "2" });
  });
});
