/** Store rows with defaults, for tests of pure functions and of the Store contract. */
import type { EndpointRow } from "../../src/store/types.ts";

export function endpointRow(overrides: Partial<EndpointRow> = {}): EndpointRow {
  return {
    id: "ep_1",
    appId: "app_1",
    uid: null,
    url: "https://example.com/hook",
    description: "",
    disabled: false,
    eventTypes: null,
    channels: null,
    metadata: {},
    throttleRate: null,
    headers: {},
    secretsSealed: "sealed",
    health: { failingSince: null, consecutiveFailures: 0, circuitOpenUntil: null },
    delivery: {},
    credentialsSealed: null,
    createdAt: 0,
    updatedAt: 0,
    ...overrides,
  };
}
