import assert from "node:assert/strict";
import { test } from "node:test";
import { ValidationError } from "../../src/domain/errors.ts";
import { eventTypesFromOpenApi, eventTypesToOpenApi } from "../../src/domain/openapi-event-types.ts";
import type { EventTypeRow } from "../../src/store/types.ts";

const petSchema = { type: "object", properties: { id: { type: "integer" } }, required: ["id"] };
const spec = {
  openapi: "3.1.0",
  info: { title: "t", version: "1" },
  components: {
    schemas: {
      Pet: petSchema,
      Wrapped: { type: "object", properties: { pet: { $ref: "#/components/schemas/Pet" } } },
    },
  },
  webhooks: {
    "pet.new": {
      post: {
        description: "A new pet",
        "x-svix-group-name": "pets",
        "x-svix-feature-flags": ["beta"],
        requestBody: {
          content: {
            "application/json": {
              schema: { $ref: "#/components/schemas/Wrapped" },
              example: { pet: { id: 1 } },
            },
          },
        },
      },
    },
    "pet.gone": {
      post: {
        summary: "A pet left",
        deprecated: true,
        requestBody: {
          content: {
            "application/json": {
              schema: petSchema,
              examples: { a: { value: { id: 2 } }, b: { value: { id: 3 } } },
            },
          },
        },
      },
    },
    "pet.ping": { post: {} },
  },
};

test("webhooks become event types: refs inlined, examples kept, group, flags and deprecation read", () => {
  const found = eventTypesFromOpenApi(spec);
  assert.deepEqual(found, [
    {
      name: "pet.new",
      description: "A new pet",
      schemas: { "1": { type: "object", properties: { pet: petSchema }, examples: [{ pet: { id: 1 } }] } },
      deprecated: false,
      groupName: "pets",
      featureFlags: ["beta"],
    },
    {
      name: "pet.gone",
      description: "A pet left",
      schemas: { "1": { ...petSchema, examples: [{ id: 2 }, { id: 3 }] } },
      deprecated: true,
      groupName: null,
      featureFlags: null,
    },
    {
      name: "pet.ping",
      description: "",
      schemas: null,
      deprecated: false,
      groupName: null,
      featureFlags: null,
    },
  ]);
  // x-webhooks (OpenAPI 3.0 documents) is read the same way.
  assert.equal(eventTypesFromOpenApi({ "x-webhooks": spec.webhooks, components: spec.components }).length, 3);
});

const refusals: Array<[string, unknown, string]> = [
  ["not an object", [], "body.spec"],
  ["no webhooks", { openapi: "3.1.0" }, "body.spec.webhooks"],
  ["bad name", { webhooks: { "has space": { post: {} } } }, "body.spec.webhooks.has space"],
  ["no operation", { webhooks: { a: {} } }, "body.spec.webhooks.a"],
  [
    "remote $ref",
    {
      webhooks: {
        a: {
          post: { requestBody: { content: { "application/json": { schema: { $ref: "https://x/y" } } } } },
        },
      },
    },
    "body.spec.webhooks.a",
  ],
  [
    "dangling $ref",
    {
      webhooks: {
        a: {
          post: {
            requestBody: { content: { "application/json": { schema: { $ref: "#/components/schemas/X" } } } },
          },
        },
      },
    },
    "body.spec.webhooks.a",
  ],
  [
    "cyclic $ref",
    {
      components: { schemas: { X: { $ref: "#/components/schemas/X" } } },
      webhooks: {
        a: {
          post: {
            requestBody: { content: { "application/json": { schema: { $ref: "#/components/schemas/X" } } } },
          },
        },
      },
    },
    "body.spec.webhooks.a",
  ],
];

for (const [what, input, loc] of refusals) {
  test(`an OpenAPI document with ${what} is refused at ${loc}`, () => {
    assert.throws(
      () => eventTypesFromOpenApi(input),
      (error: unknown) => error instanceof ValidationError && error.issues[0]?.loc.join(".") === loc,
    );
  });
}

test("exporting then importing gives the same event types back", () => {
  const rows: EventTypeRow[] = eventTypesFromOpenApi(spec).map((type) => ({
    ...type,
    archived: false,
    createdAt: 0,
    updatedAt: 0,
  }));
  const again = eventTypesFromOpenApi(eventTypesToOpenApi(rows, "Webhooks"));
  assert.deepEqual(
    again,
    rows.map(({ archived: _a, createdAt: _c, updatedAt: _u, ...type }) => type),
  );
});
