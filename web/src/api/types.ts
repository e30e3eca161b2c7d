/** Response shapes the UI reads (the OpenAPI document describes requests; responses follow Svix's wire shapes). */
export interface ListResponse<T> {
  data: T[];
  iterator: string | null;
  prevIterator: string | null;
  done: boolean;
}

export interface Application {
  id: string;
  uid: string | null;
  name: string;
  metadata: Record<string, string>;
  requireHttps: boolean;
  createdAt: string;
}

export interface EventType {
  name: string;
  description: string;
  archived: boolean;
  deprecated: boolean;
  schemas: Record<string, { examples?: unknown[]; properties?: Record<string, unknown> }> | null;
}

export type Credentials =
  | { type: "basic"; username: string; password: string }
  | { type: "bearer"; token: string }
  | { type: "header"; name: string; value: string };

export interface MappingField {
  to: string;
  from?: string;
  value?: unknown;
}

export interface Delivery {
  method?: "POST" | "PUT" | "PATCH" | "GET";
  bodyEncoding?: "json" | "form";
  signature?: {
    scheme: "standard" | "hmac-sha256-hex" | "hmac-sha256-base64" | "none";
    header?: string;
    prefix?: string;
  };
  credentials?: Credentials | null;
  mapping?: { fields: MappingField[]; include?: "mapped-only" | "all" } | null;
  filter?: Record<string, unknown> | null;
}

export interface Endpoint {
  id: string;
  uid: string | null;
  url: string;
  description: string;
  disabled: boolean;
  eventTypes: string[] | null;
  channels: string[] | null;
  throttleRate: number | null;
  delivery: Delivery;
  createdAt: string;
}

export interface EndpointStats {
  success: number;
  pending: number;
  fail: number;
  sending: number;
}

export interface Message {
  id: string;
  eventType: string;
  eventId: string | null;
  payload: unknown;
  timestamp: string;
  status?: number;
  statusText?: string;
}

export interface SentRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | null;
}

export interface Attempt {
  id: string;
  msgId: string;
  endpointId: string;
  url: string;
  response: string;
  responseStatusCode: number;
  responseDurationMs: number;
  status: number;
  statusText: string;
  triggerType: number;
  timestamp: string;
  request: SentRequest | null;
}

export interface RequestPreview {
  wouldDeliver: boolean;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | null;
}
