/** The UI's typed client is generated from the API's own OpenAPI document: a stale copy fails here. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { generateApiTypes, SCHEMA_FILE } from "../../web/generate-api-types.ts";

test("web/src/api/schema.d.ts matches src/api/openapi.ts (run `npm run generate:api` after changing routes)", async () => {
  assert.equal(readFileSync(SCHEMA_FILE, "utf8"), await generateApiTypes());
});
