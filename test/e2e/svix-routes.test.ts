/**
 * Walks every operation of today's Svix API (test/fixtures/svix/svix-cloud-openapi.json, API 1.947) in the route
 * groups Outbound serves and checks docs/svix-compatibility.md against the real server: every operation has a row;
 * a row saying "not implemented" (with its reason) answers 404 "no route", and every other row has a route.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { reportServerLogsOnFailure } from "../support/server.ts";
import { serverForTests } from "../support/servers-for-tests.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const GROUPS = [
  "/api/v1/app",
  "/api/v1/event-type",
  "/api/v1/auth",
  "/api/v1/background-task",
  "/api/v1/stats",
  "/api/v1/operational-webhook",
  "/api/v1/health",
];
const METHODS = ["get", "post", "put", "patch", "delete"];

interface Row {
  status: string;
  notes: string;
}

/** `| \`GET /api/v1/…\` | status | notes |` rows of the compatibility document. */
function documentedRows(): Map<string, Row> {
  const text = readFileSync(`${root}docs/svix-compatibility.md`, "utf8");
  const rows = new Map<string, Row>();
  for (const match of text.matchAll(
    /^\| `(GET|POST|PUT|PATCH|DELETE) (\/api\/v1\/[^`]*)` \| ([^|]+) \|([^|]*)\|/gm,
  )) {
    const [, method, path, status, notes] = match;
    rows.set(`${method} ${path}`, { status: (status ?? "").trim(), notes: (notes ?? "").trim() });
  }
  return rows;
}

function svixOperations(): string[] {
  const spec = JSON.parse(readFileSync(`${root}test/fixtures/svix/svix-cloud-openapi.json`, "utf8")) as {
    paths: Record<string, Record<string, unknown>>;
  };
  const operations: string[] = [];
  for (const [path, item] of Object.entries(spec.paths)) {
    if (!GROUPS.some((group) => path === group || path.startsWith(`${group}/`))) continue;
    for (const method of METHODS) if (item[method]) operations.push(`${method.toUpperCase()} ${path}`);
  }
  return operations;
}

const server = serverForTests();

test("docs/svix-compatibility.md lists every operation of today's Svix API in the served groups", () => {
  const rows = documentedRows();
  const operations = svixOperations();
  assert.ok(operations.length > 100, `the fixture has the groups' operations (${operations.length})`);
  const missing = operations.filter((operation) => !rows.has(operation));
  assert.deepEqual(missing, [], "operations without a row in docs/svix-compatibility.md");
  for (const [operation, row] of rows) {
    assert.match(
      row.status,
      /^(implemented|different|not implemented)$/,
      `${operation}: status "${row.status}"`,
    );
    if (row.status !== "implemented") assert.ok(row.notes.length > 0, `${operation}: says how or why`);
  }
});

test("an operation answers 404 'no route' exactly when the document says it is not implemented", async (t) => {
  t.after(() => reportServerLogsOnFailure(t));
  const rows = documentedRows();
  const wrong: string[] = [];
  for (const operation of svixOperations()) {
    const [method = "GET", template = ""] = operation.split(" ");
    const path = template.replaceAll(/\{[^}]+\}/g, "compat-x");
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${server.token}`,
        ...(method === "GET" || method === "DELETE" ? {} : { "content-type": "application/json" }),
      },
      body: method === "GET" || method === "DELETE" ? undefined : "{}",
    });
    const text = await response.text();
    const noRoute = response.status === 404 && text.includes("No route for");
    const documented = rows.get(operation)?.status === "not implemented";
    if (noRoute !== documented) {
      wrong.push(
        `${operation}: ${noRoute ? "has no route" : `answers ${response.status}`}, documented as ${rows.get(operation)?.status}`,
      );
    }
  }
  assert.deepEqual(wrong, []);
});
