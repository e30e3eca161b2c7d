import type { AttemptRow } from "../store/types.ts";
import type { OutgoingRequest, SendResult } from "./http-sender.ts";
import type { EncodedClaims, EncodedOutcomes } from "./thread-codec.ts";

/**
 * Messages between the API's thread and a delivery thread (`OUTBOUND_WORKER_THREADS`). Plain data only: every
 * message crosses a MessagePort by structured clone.
 */
export type ToDeliveryThread =
  /** New work may be due now (a message was accepted, a retry was requested). */
  | { type: "notify" }
  /** Deliveries leased to this thread's worker when their message was inserted: send them. */
  | { type: "adopt"; claims: EncodedClaims }
  /** Stop claiming, give attempts in flight `graceMs`, write their results, close the store, then exit. */
  | { type: "stop"; graceMs: number }
  /** The answer to a `relay-send`. */
  | { type: "relay-result"; id: number; result: SendResult };

export type FromDeliveryThread =
  /** The thread opened its store and its worker, whose leases carry `owner`, is claiming. */
  | { type: "ready"; owner: string }
  /** It could not start; `startup` when the message is the one line an operator should read. */
  | { type: "failed"; message: string; startup: boolean }
  /** A batch of outcomes was recorded (metrics, operational events), without request and response texts. */
  | { type: "outcomes"; outcomes: EncodedOutcomes }
  /** The worker disabled this endpoint (410 Gone or the 5-day rule). */
  | { type: "endpoint-disabled"; attempt: AttemptRow }
  /** A delivery to an `outbound listen` relay: relays live where the API is, on the main thread. */
  | { type: "relay-send"; id: number; request: OutgoingRequest }
  /** The relay attempt `id` was interrupted by shutdown. */
  | { type: "relay-abort"; id: number }
  /** Every result is written and the store is closed. */
  | { type: "stopped" };
