import type { Credentials, EndpointRow, MessageRow, SentRequest } from "../store/types.ts";
import { MASK } from "../webhook/credentials.ts";
import { RESERVED_HEADER_NAMES } from "../webhook/header-names.ts";
import { applyMapping } from "../webhook/payload-mapping.ts";
import { hmacSignatureHeader } from "../webhook/signature-schemes.ts";
import { setStandardHeaders } from "../webhook/signer.ts";
import { appendQuery, encodeForm } from "./body-encoding.ts";
import type { OutgoingRequest } from "./http-sender.ts";

export interface BuildInput {
  endpoint: EndpointRow;
  message: MessageRow & { payload: string };
  /** Active signing secrets, current first. */
  secrets: string[];
  credentials: Credentials | null;
  /** Custom header names whose values are secrets (masked in the attempt log whatever their name). */
  sensitiveHeaders?: string[];
  timestampSeconds: number;
  userAgent: string;
  /** The attempt's W3C trace context, sent when the endpoint opted in (`delivery.traceparent`). */
  traceparent?: string | undefined;
}

export interface BuiltRequest {
  request: OutgoingRequest;
  /** The same request for the attempt log, credentials masked. */
  logged: SentRequest;
}

const SENSITIVE_HEADER = /auth|token|secret|key|cookie|password/i;
const SENSITIVE_QUERY = /auth|token|secret|key|password|passwd|signature|^sig$/i;

/** The headers a credential adds to every request, and which of them are secret (masked in the attempt log). */
export function credentialHeaders(
  credentials: Credentials,
): Array<[name: string, value: string, secret: boolean]> {
  switch (credentials.type) {
    case "basic": {
      const token = Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64");
      return [["authorization", `Basic ${token}`, true]];
    }
    case "bearer":
      return [["authorization", `Bearer ${credentials.token}`, true]];
    case "header":
      return [[credentials.name.toLowerCase(), credentials.value, true]];
    case "applicationKey":
      return [
        ["x-application", `${credentials.environment}-${credentials.name}`, false],
        ["x-application-key", credentials.key, true],
      ];
  }
}

/**
 * The exact request a receiver gets, shaped by the endpoint's delivery options: method, mapping, JSON/form body or
 * GET query string, custom headers, credentials, then the signature headers (set last so nothing can replace them).
 * Without options it is Svix's request: POST of the stored JSON bytes, Standard Webhooks signature.
 */
export function buildRequest(input: BuildInput): BuiltRequest {
  const { endpoint, message } = input;
  const options = endpoint.delivery;
  const method = options.method ?? "POST";
  const encoding = options.bodyEncoding ?? "json";
  // The stored JSON is sent as is unless something must reshape it: no per-message re-serialisation.
  const reshape = Boolean(options.mapping) || method === "GET" || encoding === "form";
  const data = reshape ? shapedPayload(message.payload, options.mapping ?? null) : null;

  const headers: Record<string, string> = { "user-agent": input.userAgent };
  let url = endpoint.url;
  let body: string | undefined;
  let signedText: string;
  if (method === "GET") {
    url = appendQuery(endpoint.url, data ?? {});
    signedText = new URL(url).search.replace(/^\?/, "");
  } else if (encoding === "form") {
    body = encodeForm(data ?? {});
    headers["content-type"] = "application/x-www-form-urlencoded";
    signedText = body;
  } else {
    body = data ? JSON.stringify(data) : message.payload;
    headers["content-type"] = "application/json";
    signedText = body;
  }

  // Reserved names are refused at save time; skipping them here also covers rows saved before that rule.
  // The masked names are collected only when there are any: most endpoints have neither headers nor credentials.
  let masked: Set<string> | undefined;
  for (const rawName in endpoint.headers) {
    if (!Object.hasOwn(endpoint.headers, rawName)) continue;
    const name = rawName.toLowerCase();
    if (RESERVED_HEADER_NAMES.has(name)) continue;
    headers[name] = endpoint.headers[rawName] as string;
    if (SENSITIVE_HEADER.test(name)) masked = withName(masked, name);
  }
  for (const name of input.sensitiveHeaders ?? []) masked = withName(masked, name.toLowerCase());
  if (input.credentials) {
    for (const [name, value, secret] of credentialHeaders(input.credentials)) {
      if (RESERVED_HEADER_NAMES.has(name)) continue;
      headers[name] = value;
      if (secret) masked = withName(masked, name);
      else masked?.delete(name);
    }
  }
  if (options.traceparent && input.traceparent) headers.traceparent = input.traceparent;
  addSignatureHeaders(headers, input, signedText);

  const loggedHeaders: Record<string, string> = {};
  for (const name in headers) loggedHeaders[name] = masked?.has(name) ? MASK : (headers[name] as string);
  const logged: SentRequest = {
    method,
    url: maskQueryTokens(url, endpoint.url),
    headers: loggedHeaders,
    // The stored payload is not copied into every attempt: null here means "the message payload, unchanged".
    body: body === undefined || body === message.payload ? null : body,
  };
  return { request: { url, method, headers, body }, logged };
}

/** `names` with `name` added; a new set when there was none. */
function withName(names: Set<string> | undefined, name: string): Set<string> {
  const set = names ?? new Set<string>();
  set.add(name);
  return set;
}

/**
 * Query parameters of the endpoint's own URL that look like credentials (`?token=…`, `api_key`, `sig`) are masked
 * in the attempt log. Only the URL's own: a GET delivery's payload fields are data and are logged as sent.
 */
export function maskQueryTokens(url: string, endpointUrl: string = url): string {
  const secret = secretQueryNames(endpointUrl);
  if (secret.length === 0) return url;
  const own = new URL(endpointUrl).searchParams;
  const parsed = new URL(url);
  const entries = [...parsed.searchParams].map(([name, value]): [string, string] =>
    secret.includes(name) && own.getAll(name).includes(value) ? [name, MASK] : [name, value],
  );
  parsed.search = new URLSearchParams(entries).toString();
  return parsed.toString();
}

const secretQueryNamesByUrl = new Map<string, readonly string[]>();
const MAX_CACHED_URLS = 10_000;

/**
 * The credential-like query parameter names of an endpoint URL, once per URL text: every attempt masks its URL twice
 * (request and attempt row), and parsing it each time was a few per cent of a delivery thread's CPU.
 */
function secretQueryNames(endpointUrl: string): readonly string[] {
  let names = secretQueryNamesByUrl.get(endpointUrl);
  if (names === undefined) {
    const own = new URL(endpointUrl).searchParams;
    names = [...new Set(own.keys())].filter((name) => SENSITIVE_QUERY.test(name));
    if (secretQueryNamesByUrl.size >= MAX_CACHED_URLS) secretQueryNamesByUrl.clear();
    secretQueryNamesByUrl.set(endpointUrl, names);
  }
  return names;
}

function shapedPayload(payload: string, mapping: NonNullable<EndpointRow["delivery"]["mapping"]> | null) {
  const parsed = JSON.parse(payload) as Record<string, unknown>;
  return mapping ? applyMapping(parsed, mapping) : parsed;
}

/** Sets the signature headers last, over anything of the same name. */
function addSignatureHeaders(headers: Record<string, string>, input: BuildInput, signedText: string): void {
  const { message, endpoint } = input;
  const signature = endpoint.delivery.signature ?? { scheme: "standard" };
  if (signature.scheme === "standard") {
    setStandardHeaders(headers, input.secrets, message.id, input.timestampSeconds, signedText);
    return;
  }
  // Other schemes still carry the message id so receivers can de-duplicate.
  headers["webhook-id"] = message.id;
  const secret = input.secrets[0];
  if (signature.scheme === "none" || secret === undefined) return;
  Object.assign(
    headers,
    hmacSignatureHeader(signature.scheme, secret, signedText, {
      header: signature.header ?? "x-signature",
      prefix: signature.prefix ?? "",
    }),
  );
}
