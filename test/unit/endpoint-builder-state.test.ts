/** The endpoint builder's pure conversions (web/src/portal/builder-state.ts): form rows <-> the API's endpoint body. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  deliveryOf,
  draftFromEndpoint,
  emptyDraft,
  type FilterRow,
  filterToRows,
  headersPatch,
  moveRow,
  payloadPaths,
  rowsToFilter,
} from "../../web/src/portal/builder-state.ts";

const row = (field: string, op: FilterRow["op"], values: string): FilterRow => ({
  key: "k",
  field,
  op,
  values,
});

describe("content filter rows", () => {
  const cases: Array<[name: string, rows: FilterRow[], filter: Record<string, unknown> | null]> = [
    ["none", [], null],
    ["blank field ignored", [row(" ", "eq", "x")], null],
    [
      "one of",
      [row("source", "in", "Referred, Direct ,Added")],
      { source: { $in: ["Referred", "Direct", "Added"] } },
    ],
    ["none of", [row("source", "nin", "Added")], { source: { $nin: ["Added"] } }],
    ["equals keeps text", [row("user.id", "eq", "42")], { "user.id": { $eq: "42" } }],
    ["comparisons take numbers", [row("amount", "gt", "10.5")], { amount: { $gt: 10.5 } }],
    ["comparisons of dates stay text", [row("at", "lt", "2026-01-01")], { at: { $lt: "2026-01-01" } }],
    [
      "exists",
      [row("email", "exists", "true"), row("phone", "exists", "false")],
      { email: { $exists: true }, phone: { $exists: false } },
    ],
  ];
  for (const [name, rows, filter] of cases) {
    test(name, () => assert.deepEqual(rowsToFilter(rows), filter));
  }

  test("filters the builder can show come back as the same filter", () => {
    for (const filter of [{ source: { $in: ["Referred", "Direct"] } }, { a: { $ne: "x" }, b: { $gt: 3 } }]) {
      const rows = filterToRows(filter);
      assert.ok(rows);
      assert.deepEqual(rowsToFilter(rows), filter);
    }
    assert.deepEqual(
      filterToRows({ source: "Direct" })?.map(({ op, values }) => [op, values]),
      [["eq", "Direct"]],
    );
  });

  test("filters it cannot show as rows are reported, not mangled", () => {
    assert.equal(filterToRows({ $or: [{ a: 1 }, { b: 2 }] }), null);
    assert.equal(filterToRows({ a: { $gt: 1, $lt: 5 } }), null);
    assert.equal(filterToRows({ a: { $regex: "x" } }), null);
  });
});

describe("delivery options from the form", () => {
  test("mapping keeps the row order, static values, and 'send all other fields'", () => {
    const draft = {
      ...emptyDraft(),
      method: "GET" as const,
      mapping: [
        { key: "1", to: "first_name", from: "name.first", value: "" },
        { key: "2", to: "source_system", from: null, value: "outbound" },
      ],
      includeAll: true,
    };
    assert.deepEqual(deliveryOf(draft), {
      method: "GET",
      signature: { scheme: "standard" },
      credentials: null,
      mapping: {
        fields: [
          { to: "first_name", from: "name.first" },
          { to: "source_system", value: "outbound" },
        ],
        include: "all",
      },
      filter: null,
    });
  });

  test("saved (masked) credentials are left out so the server keeps them; a new choice replaces them", () => {
    const saved = draftFromEndpoint(
      {
        id: "ep_1",
        uid: null,
        url: "https://x.example.com",
        description: "",
        disabled: false,
        eventTypes: null,
        channels: null,
        throttleRate: null,
        filterTypes: null,
        metadata: {},
        rateLimit: null,
        version: 1,
        createdAt: "",
        updatedAt: "",
        delivery: { credentials: { type: "basic", username: "rf", password: "********" } },
      },
      { "X-Tenant": "acme" },
    );
    assert.equal("credentials" in deliveryOf(saved), false);
    assert.deepEqual(
      deliveryOf({ ...saved, credentialsKept: false, credentialsKind: "bearer", token: "t" }).credentials,
      {
        type: "bearer",
        token: "t",
      },
    );
    assert.deepEqual(
      saved.headers.map(({ name, value }) => [name, value]),
      [["X-Tenant", "acme"]],
    );
  });

  test("application key credentials", () => {
    const draft = {
      ...emptyDraft(),
      credentialsKind: "applicationKey" as const,
      keyName: "crm",
      keyValue: "k",
    };
    assert.deepEqual(deliveryOf(draft).credentials, {
      type: "applicationKey",
      environment: "prod",
      name: "crm",
      key: "k",
    });
  });

  test("HMAC schemes carry their header and prefix; form encoding only when not GET", () => {
    const delivery = deliveryOf({
      ...emptyDraft(),
      signatureScheme: "hmac-sha256-hex",
      signaturePrefix: "sha256=",
      bodyEncoding: "form",
    });
    assert.deepEqual(delivery.signature, {
      scheme: "hmac-sha256-hex",
      header: "x-signature",
      prefix: "sha256=",
    });
    assert.equal(delivery.bodyEncoding, "form");
    assert.equal(
      deliveryOf({ ...emptyDraft(), method: "GET", bodyEncoding: "form" }).bodyEncoding,
      undefined,
    );
  });
});

describe("headers patch", () => {
  const cases: Array<
    [
      name: string,
      saved: Record<string, string>,
      wanted: Record<string, string>,
      patch: Record<string, string | null>,
    ]
  > = [
    ["nothing changed", { a: "1" }, { a: "1" }, {}],
    [
      "edit one, delete another",
      { "X-Tenant": "acme", "X-Remove": "1" },
      { "X-Tenant": "acme-2" },
      { "X-Tenant": "acme-2", "X-Remove": null },
    ],
    ["add", {}, { b: "2" }, { b: "2" }],
    ["renaming only the case is a replacement, not a delete", { "x-a": "1" }, { "X-A": "1" }, { "X-A": "1" }],
  ];
  for (const [name, saved, wanted, patch] of cases)
    test(name, () => assert.deepEqual(headersPatch(saved, wanted), patch));
});

describe("payload paths and reordering", () => {
  test("leaf paths of an example, arrays by index", () => {
    assert.deepEqual(
      payloadPaths({ email: "a", name: { first: "A" }, tags: ["x", "y"], items: [{ id: 1 }], empty: [] }),
      ["email", "name.first", "tags[0]", "tags[1]", "items[0].id", "empty"],
    );
  });

  test("moveRow moves within bounds and ignores moves past the ends", () => {
    assert.deepEqual(moveRow(["a", "b", "c"], 2, 0), ["c", "a", "b"]);
    assert.deepEqual(moveRow(["a", "b", "c"], 0, 1), ["b", "a", "c"]);
    assert.deepEqual(moveRow(["a", "b"], 0, -1), ["a", "b"]);
    assert.deepEqual(moveRow(["a", "b"], 1, 2), ["a", "b"]);
  });
});
