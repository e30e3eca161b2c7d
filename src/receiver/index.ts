/**
 * `outbound/receiver`: verify Outbound deliveries in your own service. Self-contained on purpose (it imports
 * nothing from the server), so it compiles on its own to dist/receiver for use from node_modules.
 */
export { errorBody, type WebhookErrorReason, WebhookVerificationError } from "./errors.ts";
export { expressWebhook, type MiddlewareOptions, type NodeWebhookRequest } from "./express.ts";
export { type FastifyWebhookPlugin, fastifyWebhook } from "./fastify.ts";
export type { HeaderSource } from "./headers.ts";
export { honoWebhook, type WebhookVariables } from "./hono.ts";
export { createReplayGuard, type ReplayGuardOptions } from "./replay-guard.ts";
export {
  DEFAULT_TOLERANCE_SECONDS,
  type DeliveryIdentity,
  type SignatureScheme,
  type VerifiedDelivery,
  type VerifyOptions,
  verifyDelivery,
  verifyWebhook,
} from "./verify.ts";
