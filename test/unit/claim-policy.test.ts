import assert from "node:assert/strict";
import { test } from "node:test";
import {
  circuitOpenUntil,
  type EndpointClaimState,
  endpointsToLock,
  planClaims,
} from "../../src/store/claim-policy.ts";

const NOW = 1_000_000;
const options = { now: NOW, limit: 100, endpointCap: 2, circuitThreshold: 5, rateHorizonMs: 1_000 };

function state(overrides: Partial<EndpointClaimState> = {}): EndpointClaimState {
  return { sending: 0, consecutiveFailures: 0, throttleRate: null, rateNextAt: null, ...overrides };
}

const rows = (...endpoints: string[]) => endpoints.map((endpointId, i) => ({ endpointId, i }));

test("planClaims: caps count every process's live claims; half-open circuits get one; order is kept", () => {
  const cases: Array<{
    name: string;
    candidates: ReturnType<typeof rows>;
    endpoints: Record<string, EndpointClaimState>;
    limit?: number;
    picked: number[];
  }> = [
    {
      name: "cap of 2 per endpoint",
      candidates: rows("a", "a", "a", "b"),
      endpoints: { a: state(), b: state() },
      picked: [0, 1, 3],
    },
    {
      name: "live claims elsewhere fill the cap",
      candidates: rows("a", "a", "b"),
      endpoints: { a: state({ sending: 1 }), b: state({ sending: 2 }) },
      picked: [0],
    },
    {
      name: "limit",
      candidates: rows("a", "b", "c"),
      endpoints: { a: state(), b: state(), c: state() },
      limit: 2,
      picked: [0, 1],
    },
    {
      name: "half-open circuit: one at a time",
      candidates: rows("a", "a", "b"),
      endpoints: { a: state({ consecutiveFailures: 5 }), b: state() },
      picked: [0, 2],
    },
    {
      name: "half-open with one in flight: none",
      candidates: rows("a"),
      endpoints: { a: state({ consecutiveFailures: 7, sending: 1 }) },
      picked: [],
    },
    {
      name: "endpoint locked by another claimer (absent): skipped",
      candidates: rows("a", "b"),
      endpoints: { b: state() },
      picked: [1],
    },
  ];
  for (const c of cases) {
    const plan = planClaims(c.candidates, new Map(Object.entries(c.endpoints)), {
      ...options,
      limit: c.limit ?? 100,
    });
    assert.deepEqual(
      plan.picked.map((p) => p.candidate.i),
      c.picked,
      c.name,
    );
  }
});

test("planClaims: a rate-limited endpoint hands out evenly spaced slots within the horizon, shared via rateNextAt", () => {
  const endpoints = new Map([
    ["a", state({ throttleRate: 4 })],
    ["b", state()],
  ]);
  const plan = planClaims(rows("a", "a", "a", "a", "a", "a", "b"), endpoints, {
    ...options,
    endpointCap: 100,
  });
  assert.deepEqual(
    plan.picked.map((p) => [p.candidate.endpointId, p.sendAt - NOW]),
    [
      ["a", 0],
      ["a", 250],
      ["a", 500],
      ["a", 750],
      ["a", 1000],
      ["b", 0],
    ],
  );
  assert.equal(plan.rateNextAt.get("a"), NOW + 1250);
  assert.equal(plan.rateNextAt.has("b"), false, "unlimited endpoints keep no slot");

  // The next claim (any process) continues from the stored slot; a slot in the past starts fresh.
  const next = planClaims(
    rows("a"),
    new Map([["a", state({ throttleRate: 4, rateNextAt: NOW + 1250 })]]),
    options,
  );
  assert.deepEqual(next.picked, [], "beyond the horizon: nothing claimed");
  const later = planClaims(
    rows("a"),
    new Map([["a", state({ throttleRate: 4, rateNextAt: NOW - 5_000 })]]),
    options,
  );
  assert.equal(later.picked[0]?.sendAt, NOW);
});

test("circuitOpenUntil: closed below the threshold, then the cooldown doubles up to the maximum", () => {
  const policy = { threshold: 5, baseCooldownMs: 5_000, maxCooldownMs: 600_000 };
  const cases: Array<[number, number | null]> = [
    [4, null],
    [5, NOW + 5_000],
    [6, NOW + 10_000],
    [25, NOW + 600_000],
  ];
  for (const [failures, until] of cases)
    assert.equal(circuitOpenUntil(policy, failures, NOW), until, `${failures}`);
});

test("endpointsToLock: just enough endpoints, oldest due first, to fill the batch; the rest as a fallback", () => {
  const cases: Array<{
    name: string;
    candidates: string[];
    limit: number;
    cap: number;
    first: string[];
    rest: string[];
  }> = [
    {
      name: "one endpoint fills it",
      candidates: ["a", "a", "a", "b", "c"],
      limit: 3,
      cap: 10,
      first: ["a"],
      rest: ["b", "c"],
    },
    {
      name: "capped: the next one is needed",
      candidates: ["a", "a", "a", "b", "c"],
      limit: 3,
      cap: 2,
      first: ["a", "b"],
      rest: ["c"],
    },
    {
      name: "not enough due: all of them",
      candidates: ["b", "a"],
      limit: 5,
      cap: 10,
      first: ["b", "a"],
      rest: [],
    },
    { name: "nothing due", candidates: [], limit: 5, cap: 10, first: [], rest: [] },
  ];
  for (const c of cases) {
    const rows = c.candidates.map((endpointId) => ({ endpointId }));
    assert.deepEqual(endpointsToLock(rows, c.limit, c.cap), { first: c.first, rest: c.rest }, c.name);
  }
});
