/**
 * The OpenAPI document against the routes Fastify actually registered (collected with onRoute), and the /docs page
 * that renders it from files served by Outbound itself.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { RESPONSES } from "../../src/api/openapi-responses.ts";
import { buildInProcessApi, IN_PROCESS_TOKEN } from "../support/in-process.ts";

let built: ReturnType<typeof buildInProcessApi>;
let document: { paths: Record<string, Record<string, Record<string, unknown>>> };

before(async () => {
  built = buildInProcessApi();
  await built.app.ready();
  document = (await built.app.inject({ method: "GET", url: "/api/v1/openapi.json" })).json();
});
after(() => built.close());

/** `/api/v1/app/:app_id` as OpenAPI writes it: `/api/v1/app/{app_id}`. */
const openApiPath = (url: string) => url.replace(/:(\w+)/g, "{$1}");

test("every registered /api route is in the OpenAPI document", () => {
  const registered = built.app.routeCatalog.filter((r) => r.url.startsWith("/api/") && r.method !== "HEAD");
  assert.ok(
    registered.length > 50,
    `only ${registered.length} routes seen: is the catalog registered first?`,
  );
  const missing = registered
    .filter((r) => document.paths[openApiPath(r.url)]?.[r.method.toLowerCase()] === undefined)
    .map((r) => `${r.method} ${openApiPath(r.url)}`);
  assert.deepEqual(missing, [], "routes missing from src/api/openapi.ts");
});

test("every documented operation exists (no stale rows)", () => {
  const registered = new Set(
    built.app.routeCatalog.map((r) => `${r.method.toLowerCase()} ${openApiPath(r.url)}`),
  );
  const stale = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.keys(methods)
      .filter((method) => !registered.has(`${method} ${path}`))
      .map((method) => `${method.toUpperCase()} ${path}`),
  );
  assert.deepEqual(stale, []);
});

test("every documented operation states its success status and body", () => {
  const unstated = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.keys(methods)
      .filter((method) => RESPONSES[`${method} ${path}`] === undefined)
      .map((method) => `${method} ${path}`),
  );
  assert.deepEqual(unstated, [], "add these to RESPONSES in src/api/openapi-responses.ts");
});

/** Calls a documented operation and holds the answer to what the document says about it. */
async function call(method: string, template: string, params: Record<string, string>, payload?: unknown) {
  const url = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ""));
  const response = await built.app.inject({
    method: method.toUpperCase() as "GET",
    url,
    headers: { authorization: `Bearer ${IN_PROCESS_TOKEN}` },
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
  const spec = RESPONSES[`${method} ${template.split("?")[0]}`];
  assert.ok(spec, `${method} ${template} is documented`);
  assert.equal(response.statusCode, spec.status, `${method} ${url}: ${response.body}`);
  const body = response.body === "" ? undefined : response.json();
  if (spec.schema) {
    const checked = spec.schema.safeParse(body);
    assert.ok(
      checked.success,
      `${method} ${template} answered outside its documented schema: ${checked.error}`,
    );
  }
  return body as Record<string, unknown> & { id: string };
}

test("real answers match the documented response schemas", async () => {
  const APP = "/api/v1/app/{app_id}";
  const EP = `${APP}/endpoint/{endpoint_id}`;
  await call("post", "/api/v1/event-type", {}, { name: "doc.checked", description: "d" });
  await call("get", "/api/v1/event-type", {});
  await call("get", "/api/v1/event-type/{event_type_name}", { event_type_name: "doc.checked" });
  const app = await call("post", "/api/v1/app", {}, { name: "documented", uid: "documented" });
  const p = { app_id: app.id } as Record<string, string>;
  await call("get", "/api/v1/app", {});
  await call("get", APP, p);
  await call("patch", APP, p, { metadata: { team: "docs" } });
  const endpoint = await call("post", `${APP}/endpoint`, p, {
    url: "https://example.com/hook",
    eventTypes: ["doc.checked"],
    delivery: { signature: { scheme: "hmac-sha256-hex", prefix: "sha256=" } },
  });
  p.endpoint_id = endpoint.id;
  await call("get", `${APP}/endpoint`, p);
  await call("get", EP, p);
  await call("get", `${EP}/secret`, p);
  await call("get", `${EP}/headers`, p);
  await call("put", `${EP}/headers`, p, { headers: { "x-team": "docs" } });
  await call("get", `${EP}/stats`, p);
  await call("get", `${EP}/transformation`, p);
  const message = await call("post", `${APP}/msg`, p, { eventType: "doc.checked", payload: { a: 1 } });
  p.msg_id = message.id;
  await call("get", `${APP}/msg`, p);
  await call("get", `${APP}/msg/{msg_id}`, p);
  await call("get", `${APP}/msg/{msg_id}/endpoint`, p);
  await call("get", `${EP}/msg`, p);
  await call("get", `${APP}/attempt/msg/{msg_id}`, p);
  await call("get", `${APP}/attempt/endpoint/{endpoint_id}`, p);
  await call("post", `${EP}/recover`, p, { since: new Date(Date.now() - 60_000).toISOString() });
  await call("post", `${APP}/msg/{msg_id}/endpoint/{endpoint_id}/resend`, p);
  await call("get", "/api/v1/background-task", {});
  await call("get", "/api/v1/stats/endpoint/count", {});
  await call("get", "/api/v1/app/stats/count-active", {});
  await call("get", "/api/v1/stats/app/{app_id}/attempt", p);
  await call("get", "/api/v1/operational-webhook/endpoint", {});
  await call("post", "/api/v1/event-type/export/openapi", {}, {});
  await call("post", "/api/v1/auth/app-portal-access/{app_id}", p, {});
  await call("get", "/api/v1/health/details", {});
  await call("get", "/api/v1/health", {});
  const issuer = await call("post", `${APP}/issuer`, p, { id: "crm", description: "CRM ids" });
  await call("get", `${APP}/issuer/{id}`, { ...p, id: issuer.id });
  const attribute = await call("post", `${APP}/attribute`, p, { label: "Plan", valueType: "String" });
  await call("get", `${APP}/attribute`, p);
  await call("get", `${APP}/attribute/{id}`, { ...p, id: attribute.id });
  const participant = await call("post", `${APP}/participant`, p, {
    externalIdentifiers: [{ id: "42", issuer: "crm" }],
    attributes: { Plan: "pro" },
  });
  await call("get", `${APP}/participant`, p);
  await call("get", `${APP}/participant/{id}`, { ...p, id: participant.id });
  await call("post", `${APP}/participant/{id}/tags`, { ...p, id: participant.id }, { tags: ["vip"] });
  await call("get", `${APP}/participant/import`, p);
  await call("get", `${APP}/distribution`, p);
  await call("delete", `${APP}/msg/{msg_id}/content`, p);
  await call("delete", EP, p);
  await call("delete", APP, p);
});

test("/docs renders the document with files served by Outbound under a strict CSP", async () => {
  const page = await built.app.inject({ method: "GET", url: "/docs" });
  assert.equal(page.statusCode, 200);
  const csp = String(page.headers["content-security-policy"]);
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'(;|$)/, "no inline or remote scripts");
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/);
  const sources = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
  assert.ok(sources.length >= 4);
  assert.doesNotMatch(page.body, /<script>|<script [^>]*>[^<]/, "no inline script");
  for (const source of sources) {
    assert.match(source, /^\/docs\/assets\//, `${source} is served by Outbound`);
    const asset = await built.app.inject({ method: "GET", url: source });
    assert.equal(asset.statusCode, 200, source);
    assert.ok(asset.rawPayload.length > 0, source);
  }
  const start = await built.app.inject({ method: "GET", url: "/docs/assets/reference.js" });
  assert.match(start.body, /url: "\/api\/v1\/openapi\.json"/);
  const bundle = await built.app.inject({ method: "GET", url: "/docs/assets/swagger-ui-bundle.js" });
  assert.match(String(bundle.headers["content-type"]), /^text\/javascript/);
  assert.ok(bundle.rawPayload.length > 500_000, "the renderer bundle itself");
  const outside = await built.app.inject({ method: "GET", url: "/docs/assets/..%2Fpackage.json" });
  assert.equal(outside.statusCode, 404);
});

test("the request examples in the document are accepted by the routes they illustrate", async () => {
  const app = await call("post", "/api/v1/app", {}, { name: "examples" });
  const params = { app_id: app.id };
  // What the examples refer to: an event type, an identifier issuer and an attribute.
  await call("post", "/api/v1/event-type", {}, { name: "invoice.paid", description: "paid" });
  await call("post", "/api/v1/app/{app_id}/issuer", params, { id: "crm" });
  await call("post", "/api/v1/app/{app_id}/attribute", params, { label: "Plan", valueType: "String" });
  let tried = 0;
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const body = operation.requestBody as { content: Record<string, { example?: unknown }> } | undefined;
      const example = body?.content["application/json"]?.example;
      if (example === undefined) continue;
      await call(method, path, params, example);
      tried += 1;
    }
  }
  assert.equal(tried, 4);
});
