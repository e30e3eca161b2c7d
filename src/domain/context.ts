import type { Logger } from "pino";
import type { Config } from "../config.ts";
import type { RelayHub } from "../delivery/relay-hub.ts";
import type { Telemetry } from "../observability/metrics.ts";
import type { SecretBox } from "../secret-box.ts";
import type { Store } from "../store/store.ts";
import type { AddressPolicy } from "../webhook/address-policy.ts";
import type { QuotaGuard } from "./quotas.ts";

/** What domain functions need, built once at start-up and passed down. */
export interface Context {
  config: Config;
  store: Store;
  secrets: SecretBox;
  /** Key for signed links (unsubscribe); derived from the encryption key. */
  linkKey: Buffer;
  addressPolicy: AddressPolicy;
  logger: Logger;
  /** Wakes the delivery worker when new work is due now. */
  notifyWork: () => void;
  now: () => number;
  quotas: QuotaGuard;
  /** Metrics of this process (/metrics) and what /api/v1/health/details reports of the worker. */
  telemetry: Telemetry;
  /** Relay endpoints of `outbound listen`: deliveries pushed down the CLI's stream instead of sent over HTTP. */
  relays: RelayHub;
}
