import type { Logger } from "pino";
import type { Config } from "../config.ts";
import type { RelayHub } from "../delivery/relay-hub.ts";
import type { Telemetry } from "../observability/metrics.ts";
import type { SecretBox } from "../secret-box.ts";
import type { Store } from "../store/store.ts";
import type { ClaimedDelivery, InsertClaim } from "../store/types.ts";
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
  /** This process's delivery worker, where new deliveries can be leased at insert (`Store.claimsAtInsert`). */
  handoff?: DeliveryHandoff;
  now: () => number;
  quotas: QuotaGuard;
  /** Metrics of this process (/metrics) and what /api/v1/health/details reports of the worker. */
  telemetry: Telemetry;
  /** Relay endpoints of `outbound listen`: deliveries pushed down the CLI's stream instead of sent over HTTP. */
  relays: RelayHub;
}

/**
 * New deliveries leased in the transaction that inserts their message, then handed to this process's delivery worker
 * in memory: no claim has to find them again, and no one else can (the lease is the worker's).
 */
export interface DeliveryHandoff {
  /** Lease options for a message about to be inserted; null when its deliveries should wait for a claim. */
  insertClaim(now: number): InsertClaim | null;
  /** What `insertMessage` leased with those options, to start at once. */
  adopt(claims: ClaimedDelivery[], owner: string): void;
}
