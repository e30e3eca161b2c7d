import type { EndpointRow, MessageRow } from "../store/types.ts";
import type { OutgoingRequest } from "./http-sender.ts";
import { standardHeaders } from "./signer.ts";

export interface BuildInput {
  endpoint: EndpointRow;
  message: MessageRow & { payload: string };
  /** Active signing secrets, current first. */
  secrets: string[];
  timestampSeconds: number;
  userAgent: string;
}

/**
 * The exact request a receiver gets: stored JSON body, custom headers, then the signature headers
 * (set last so a custom header can never replace them).
 */
export function buildRequest({
  endpoint,
  message,
  secrets,
  timestampSeconds,
  userAgent,
}: BuildInput): OutgoingRequest {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": userAgent,
  };
  for (const [name, value] of Object.entries(endpoint.headers)) headers[name.toLowerCase()] = value;
  Object.assign(headers, standardHeaders(secrets, message.id, timestampSeconds, message.payload));
  return { url: endpoint.url, method: "POST", headers, body: message.payload };
}
