import type { EndpointRow, MessageRow } from "../store/types.ts";
import type { TransformationRunner } from "./transformation-thread.ts";

type Payloaded = MessageRow & { payload: string };

export type TransformedDelivery =
  | { kind: "send"; endpoint: EndpointRow; message: Payloaded }
  | { kind: "cancel" }
  | { kind: "error"; error: string };

/**
 * Runs the endpoint's enabled transformation on a delivery and returns what to send instead: the handler's method,
 * URL, payload and extra headers (reserved names are dropped later by the request builder), or a cancellation.
 * `headers` are the endpoint's headers already opened (sealed values decrypted).
 */
export async function transformDelivery(
  runner: TransformationRunner,
  endpoint: EndpointRow,
  message: Payloaded,
): Promise<TransformedDelivery> {
  const transformation = endpoint.transformation;
  if (!transformation?.enabled) return { kind: "send", endpoint, message };
  const result = await runner.run(transformation.code, {
    method: endpoint.delivery.method ?? "POST",
    url: endpoint.url,
    eventType: message.eventType,
    payload: JSON.parse(message.payload),
    headers: {},
  });
  if (!result.ok) return { kind: "error", error: result.error };
  const webhook = result.webhook;
  if (webhook.cancel) return { kind: "cancel" };
  return {
    kind: "send",
    endpoint: {
      ...endpoint,
      url: webhook.url,
      headers: { ...endpoint.headers, ...webhook.headers },
      delivery: { ...endpoint.delivery, method: webhook.method },
    },
    message: { ...message, payload: JSON.stringify(webhook.payload) ?? "null" },
  };
}
