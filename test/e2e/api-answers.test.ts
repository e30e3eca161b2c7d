/** Answers that tell the client how to fix its request: accepted content types, the setting for private URLs. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { serverForTests } from "../support/servers-for-tests.ts";

const server = serverForTests();

async function post(path: string, contentType: string, body: string) {
  const response = await fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${server.token}`, "content-type": contentType },
    body,
  });
  return { status: response.status, body: (await response.json()) as { code?: string; detail: unknown } };
}

test("415 names the content types the route accepts", async () => {
  const json = await post("/api/v1/app", "text/plain", "name=x");
  assert.equal(json.status, 415);
  assert.equal(json.body.detail, "Content type text/plain is not accepted here; send application/json");

  const app = await server.svix.application.create({ name: "content types" });
  const csv = await post(
    `/api/v1/app/${app.id}/participant/import?idColumn=id&issuer=crm`,
    "text/plain",
    "id\n1\n",
  );
  assert.equal(csv.status, 415);
  assert.equal(
    csv.body.detail,
    "Content type text/plain is not accepted here; send text/csv or application/csv",
  );
});

test("a private-address endpoint URL's 422 names OUTBOUND_ALLOWED_SUBNETS", async () => {
  const app = await server.svix.application.create({ name: "private url" });
  const answer = await post(
    `/api/v1/app/${app.id}/endpoint`,
    "application/json",
    JSON.stringify({ url: "http://10.20.30.40:3000/hook" }),
  );
  assert.equal(answer.status, 422);
  const [issue] = answer.body.detail as Array<{ loc: string[]; msg: string }>;
  assert.deepEqual(issue?.loc, ["body", "url"]);
  assert.match(issue?.msg ?? "", /add it to OUTBOUND_ALLOWED_SUBNETS \(e\.g\. 10\.20\.30\.40\/32\)/);
});
