import type { Credentials, Delivery, Endpoint, MappingField } from "../api/types.ts";

/** The endpoint builder's form state, and its conversion to and from the API's endpoint body. Pure functions. */

export type FilterOperator = "eq" | "ne" | "in" | "nin" | "exists" | "gt" | "lt";
export interface FilterRow {
  key: string;
  field: string;
  op: FilterOperator;
  /** Comma-separated for in / not in. */
  values: string;
}
export interface MappingRow {
  key: string;
  to: string;
  /** A dotted path in the payload, or null for a static property. */
  from: string | null;
  value: string;
}
export interface HeaderRow {
  key: string;
  name: string;
  value: string;
}
export type CredentialsKind = "none" | "basic" | "bearer" | "header" | "applicationKey";

export interface Draft {
  url: string;
  description: string;
  eventTypes: string[];
  channels: string;
  rateLimit: string;
  method: NonNullable<Delivery["method"]>;
  bodyEncoding: NonNullable<Delivery["bodyEncoding"]>;
  signatureScheme: NonNullable<Delivery["signature"]>["scheme"];
  signatureHeader: string;
  signaturePrefix: string;
  credentialsKind: CredentialsKind;
  /** True while saved (masked) credentials are kept as they are. */
  credentialsKept: boolean;
  username: string;
  password: string;
  token: string;
  headerName: string;
  headerValue: string;
  /** Application key credentials: `x-application: <environment>-<name>`, `x-application-key: <key>`. */
  keyEnvironment: "dev" | "staging" | "prod";
  keyName: string;
  keyValue: string;
  mapping: MappingRow[];
  includeAll: boolean;
  filter: FilterRow[];
  headers: HeaderRow[];
}

let counter = 0;
export const rowKey = () => `row${++counter}`;

export function emptyDraft(): Draft {
  return {
    url: "",
    description: "",
    eventTypes: [],
    channels: "",
    rateLimit: "",
    method: "POST",
    bodyEncoding: "json",
    signatureScheme: "standard",
    signatureHeader: "x-signature",
    signaturePrefix: "",
    credentialsKind: "none",
    credentialsKept: false,
    username: "",
    password: "",
    token: "",
    headerName: "",
    headerValue: "",
    keyEnvironment: "prod",
    keyName: "",
    keyValue: "",
    mapping: [],
    includeAll: false,
    filter: [],
    headers: [],
  };
}

const OPERATORS: Record<string, FilterOperator> = {
  $eq: "eq",
  $ne: "ne",
  $in: "in",
  $nin: "nin",
  $exists: "exists",
  $gt: "gt",
  $lt: "lt",
};

/** Reads a filter the builder can show as rows (one condition per field); anything else becomes null. */
export function filterToRows(filter: Record<string, unknown> | null | undefined): FilterRow[] | null {
  const rows: FilterRow[] = [];
  for (const [field, condition] of Object.entries(filter ?? {})) {
    if (field.startsWith("$")) return null;
    if (condition === null || typeof condition !== "object") {
      rows.push({ key: rowKey(), field, op: "eq", values: String(condition) });
      continue;
    }
    const entries = Object.entries(condition as Record<string, unknown>);
    const [operator, value] = entries[0] ?? [];
    const op = operator ? OPERATORS[operator] : undefined;
    if (entries.length !== 1 || !op) return null;
    const values = Array.isArray(value) ? value.map(String).join(", ") : String(value);
    rows.push({ key: rowKey(), field, op, values });
  }
  return rows;
}

const scalar = (text: string, op: FilterOperator): unknown =>
  (op === "gt" || op === "lt") && /^-?\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : text.trim();

export function rowsToFilter(rows: FilterRow[]): Record<string, unknown> | null {
  const filter: Record<string, unknown> = {};
  for (const row of rows) {
    if (!row.field.trim()) continue;
    const list = row.values
      .split(",")
      .map((value) => value.trim())
      .filter(Boolean);
    const value =
      row.op === "in" || row.op === "nin"
        ? list
        : row.op === "exists"
          ? row.values.trim() !== "false"
          : scalar(row.values, row.op);
    filter[row.field.trim()] = { [`$${row.op}`]: value };
  }
  return Object.keys(filter).length > 0 ? filter : null;
}

export function mappingRows(fields: MappingField[] | undefined): MappingRow[] {
  return (fields ?? []).map((field) => ({
    key: rowKey(),
    to: field.to,
    from: field.from ?? null,
    value: field.from === undefined ? String(field.value ?? "") : "",
  }));
}

export function draftFromEndpoint(endpoint: Endpoint, headers: Record<string, string>): Draft {
  const delivery = endpoint.delivery;
  const credentials = delivery.credentials ?? null;
  return {
    ...emptyDraft(),
    url: endpoint.url,
    description: endpoint.description,
    eventTypes: endpoint.eventTypes ?? [],
    channels: (endpoint.channels ?? []).join(", "),
    rateLimit: endpoint.throttleRate === null ? "" : String(endpoint.throttleRate),
    method: delivery.method ?? "POST",
    bodyEncoding: delivery.bodyEncoding ?? "json",
    signatureScheme: delivery.signature?.scheme ?? "standard",
    signatureHeader: delivery.signature?.header ?? "x-signature",
    signaturePrefix: delivery.signature?.prefix ?? "",
    credentialsKind: (credentials?.type as CredentialsKind | undefined) ?? "none",
    credentialsKept: credentials !== null,
    username: credentials?.type === "basic" ? credentials.username : "",
    headerName: credentials?.type === "header" ? credentials.name : "",
    keyEnvironment: credentials?.type === "applicationKey" ? credentials.environment : "prod",
    keyName: credentials?.type === "applicationKey" ? credentials.name : "",
    mapping: mappingRows(delivery.mapping?.fields),
    includeAll: delivery.mapping?.include === "all",
    filter: filterToRows(delivery.filter) ?? [],
    headers: Object.entries(headers).map(([name, value]) => ({ key: rowKey(), name, value })),
  };
}

function credentialsOf(draft: Draft): Credentials | null {
  switch (draft.credentialsKind) {
    case "basic":
      return { type: "basic", username: draft.username, password: draft.password };
    case "bearer":
      return { type: "bearer", token: draft.token };
    case "header":
      return { type: "header", name: draft.headerName, value: draft.headerValue };
    case "applicationKey":
      return {
        type: "applicationKey",
        environment: draft.keyEnvironment,
        name: draft.keyName,
        key: draft.keyValue,
      };
    case "none":
      return null;
  }
}

export function deliveryOf(draft: Draft): Delivery {
  const fields: MappingField[] = draft.mapping.map((row) =>
    row.from === null ? { to: row.to, value: row.value } : { to: row.to, from: row.from },
  );
  const hmac = draft.signatureScheme.startsWith("hmac");
  return {
    method: draft.method,
    ...(draft.method === "GET" ? {} : { bodyEncoding: draft.bodyEncoding }),
    signature: hmac
      ? { scheme: draft.signatureScheme, header: draft.signatureHeader, prefix: draft.signaturePrefix }
      : { scheme: draft.signatureScheme },
    // Saved credentials are only shown masked: leaving `credentials` out keeps them on the server.
    ...(draft.credentialsKept ? {} : { credentials: credentialsOf(draft) }),
    mapping:
      fields.length > 0 || draft.includeAll
        ? { fields, include: draft.includeAll ? "all" : "mapped-only" }
        : null,
    filter: rowsToFilter(draft.filter),
  };
}

const list = (text: string) =>
  text
    .split(",")
    .map((value) => value.trim())
    .filter(Boolean);

/** The endpoint fields of a create or a PATCH; headers go with a create only (edits use the headers route). */
export function endpointBody(draft: Draft) {
  const channels = list(draft.channels);
  return {
    url: draft.url.trim(),
    description: draft.description,
    eventTypes: draft.eventTypes.length > 0 ? draft.eventTypes : null,
    channels: channels.length > 0 ? channels : null,
    rateLimit: draft.rateLimit.trim() === "" ? null : Number(draft.rateLimit),
    delivery: deliveryOf(draft),
  };
}

export function headersOf(draft: Draft): Record<string, string> {
  return Object.fromEntries(
    draft.headers.filter((row) => row.name.trim()).map((row) => [row.name.trim(), row.value]),
  );
}

/** What a headers PATCH must send to turn `saved` into `wanted`: new or changed values, null for removed names. */
export function headersPatch(saved: Record<string, string>, wanted: Record<string, string>) {
  const patch: Record<string, string | null> = {};
  const wantedLower = new Set(Object.keys(wanted).map((name) => name.toLowerCase()));
  for (const name of Object.keys(saved)) if (!wantedLower.has(name.toLowerCase())) patch[name] = null;
  for (const [name, value] of Object.entries(wanted)) if (saved[name] !== value) patch[name] = value;
  return patch;
}

/** Leaf paths of an example payload (`user.email`, `items[0].id`), for picking mapping fields. */
export function payloadPaths(value: unknown, prefix = "", out: string[] = []): string[] {
  if (Array.isArray(value)) {
    for (const [index, item] of value.slice(0, 3).entries()) payloadPaths(item, `${prefix}[${index}]`, out);
    if (value.length === 0 && prefix) out.push(prefix);
  } else if (value !== null && typeof value === "object") {
    for (const [key, child] of Object.entries(value))
      payloadPaths(child, prefix ? `${prefix}.${key}` : key, out);
  } else if (prefix) {
    out.push(prefix);
  }
  return out;
}

/** The last segment of a path, the default name a picked field gets. */
export const fieldName = (path: string) =>
  path
    .replace(/\[\d+\]/g, "")
    .split(".")
    .at(-1) ?? path;

export function moveRow<T>(rows: T[], from: number, to: number): T[] {
  if (to < 0 || to >= rows.length || from === to) return rows;
  const next = rows.slice();
  const [moved] = next.splice(from, 1);
  if (moved !== undefined) next.splice(to, 0, moved);
  return next;
}
