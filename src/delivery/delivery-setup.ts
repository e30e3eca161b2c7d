import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Logger } from "pino";
import type { Config } from "../config.ts";
import type { SecretBox } from "../secret-box.ts";
import type { Store } from "../store/store.ts";
import type { AttemptRow, DeliveryOutcome, InsertClaim } from "../store/types.ts";
import { createAddressPolicy } from "../webhook/address-policy.ts";
import { CIRCUIT_THRESHOLD } from "./circuit-breaker.ts";
import { createHttpSender, type HttpSender } from "./http-sender.ts";
import { createWorker, type Worker } from "./worker.ts";

/** What the process around a delivery worker hears from it. */
export interface DeliveryHooks {
  /** Once per endpoint the worker disabled (410 Gone or the 5-day rule). */
  onEndpointDisabled(attempt: AttemptRow): void;
  /** After each batch of outcomes is recorded. */
  onOutcomesRecorded(outcomes: DeliveryOutcome[]): void;
  /** The `traceparent` for an attempt to an endpoint that opted in (traces on, main thread only). */
  traceparentFor?(msgId: string, endpointId: string): string | undefined;
}

/** The undici sender with the configured SSRF policy, https rule and extra CA certificates. */
export function createDeliverySender(config: Config): HttpSender {
  return createHttpSender({
    timeoutMs: config.requestTimeoutMs,
    policy: createAddressPolicy(config.allowedSubnets),
    requireHttps: config.requireHttps,
    caFile: config.caFile,
  });
}

/**
 * A delivery worker configured from Config: the same on the API's thread (`OUTBOUND_WORKER_THREADS=0`) and in a
 * delivery thread. Each gets its own claim owner, so its leases are its own.
 */
export function createDeliveryWorker(
  config: Config,
  deps: { store: Store; sender: HttpSender; secrets: SecretBox; logger: Logger; version: string },
  hooks: DeliveryHooks,
): Worker {
  return createWorker({
    store: deps.store,
    sender: deps.sender,
    secrets: deps.secrets,
    logger: deps.logger,
    retryScheduleMs: config.retryScheduleMs,
    requestTimeoutMs: config.requestTimeoutMs,
    concurrency: config.workerConcurrency,
    endpointConcurrency: config.endpointConcurrency,
    leaseMs: config.leaseMs,
    owner: `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`,
    userAgent: `Outbound/${deps.version}`,
    onEndpointDisabled: hooks.onEndpointDisabled,
    onOutcomesRecorded: hooks.onOutcomesRecorded,
    ...(hooks.traceparentFor ? { traceparentFor: hooks.traceparentFor } : {}),
  });
}

/** Leases for a new message's deliveries taken at insert for the worker `owner`, with its caps and concurrency. */
export function insertClaimFor(config: Config, owner: string, now: number): InsertClaim {
  return {
    now,
    owner,
    leaseMs: config.leaseMs,
    endpointCap: config.endpointConcurrency,
    circuitThreshold: CIRCUIT_THRESHOLD,
    limit: config.workerConcurrency,
  };
}
