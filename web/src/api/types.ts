import type { paths } from "./schema.d.ts";

/**
 * Response shapes the UI reads, taken from the generated OpenAPI types (the routes' documented response schemas), so
 * a field the API drops or renames fails `npm run typecheck`. Only what the schema leaves open (an endpoint's
 * `delivery`, an event type's `schemas`) is refined here.
 */
type Json<Operation> = Operation extends {
  responses: { 200: { content: { "application/json": infer Body } } };
}
  ? Body
  : Operation extends { responses: { 201: { content: { "application/json": infer Body } } } }
    ? Body
    : never;
type Item<List> = List extends { data: Array<infer Row> } ? Row : never;

export interface ListResponse<T> {
  data: T[];
  iterator: string | null;
  prevIterator: string | null;
  done: boolean;
}

export type Credentials =
  | { type: "basic"; username: string; password: string }
  | { type: "bearer"; token: string }
  | { type: "header"; name: string; value: string }
  | { type: "applicationKey"; environment: "dev" | "staging" | "prod"; name: string; key: string };

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

export interface SentRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | null;
}

export type Application = Json<paths["/api/v1/app/{app_id}"]["get"]>;
export type EventType = Omit<Item<Json<paths["/api/v1/event-type"]["get"]>>, "schemas"> & {
  schemas: Record<string, { examples?: unknown[]; properties?: Record<string, unknown> }> | null;
};
export type Endpoint = Omit<Json<paths["/api/v1/app/{app_id}/endpoint/{endpoint_id}"]["get"]>, "delivery"> & {
  delivery: Delivery;
};
export type EndpointStats = Json<paths["/api/v1/app/{app_id}/endpoint/{endpoint_id}/stats"]["get"]>;
/** A message as listed for the application, or for one endpoint (then with its delivery status). */
export type Message = Item<Json<paths["/api/v1/app/{app_id}/msg"]["get"]>> & {
  status?: number;
  statusText?: string;
};
export type Attempt = Item<Json<paths["/api/v1/app/{app_id}/attempt/endpoint/{endpoint_id}"]["get"]>>;
export type RequestPreview = Json<paths["/api/v1/app/{app_id}/endpoint/preview-request"]["post"]>;
