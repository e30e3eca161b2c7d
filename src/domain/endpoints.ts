import { newId } from "../ids.ts";
import type { ApplicationRow, EndpointRow } from "../store/types.ts";
import { checkUrlStatically } from "../webhook/address-policy.ts";
import { sealCredentials } from "../webhook/credentials.ts";
import {
  currentSecret,
  DEFAULT_ROTATION_GRACE_MS,
  isSealedHeader,
  openSecrets,
  rotateSecrets,
  sealSecrets,
  sealSensitiveHeaders,
} from "../webhook/endpoint-secrets.ts";
import { headerNameProblem } from "../webhook/header-names.ts";
import { generateSecret } from "../webhook/signer.ts";
import type { Context } from "./context.ts";
import { type DeliveryInput, validateDeliveryOptions, validateEndpointSecret } from "./delivery-options.ts";
import { NotFoundError, ValidationError } from "./errors.ts";
import { emitEndpointEvent } from "./operational-events.ts";
import { assertEndpointQuota } from "./quotas.ts";

export interface EndpointInput {
  url: string;
  description?: string;
  uid?: string | null;
  disabled?: boolean;
  eventTypes?: string[] | null;
  channels?: string[] | null;
  metadata?: Record<string, string>;
  throttleRate?: number | null;
  headers?: Record<string, string>;
  /** Outbound's extension: header names whose values are sealed at rest and redacted on read. */
  sensitiveHeaders?: string[];
  secret?: string | null;
  /** Outbound's extension: request format, signature scheme, credentials, mapping, content filter. */
  delivery?: DeliveryInput | null;
}

/** What an HTTP field value may hold (RFC 9110: visible ASCII, space, tab, obs-text); undici refuses the rest. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

export function validateHeaders(headers: Record<string, string | null>, loc: string[]): void {
  for (const [name, value] of Object.entries(headers)) {
    // A removal (PATCH null, deleteHeaders) is always allowed, even of a name that may no longer be set.
    if (value === null) continue;
    const problem = headerNameProblem(name);
    if (problem) throw ValidationError.field([...loc, name], problem);
    if (HEADER_VALUE.test(value)) continue;
    // Accepted, such a value would fail every delivery to the endpoint: refuse it here instead.
    throw ValidationError.field(
      [...loc, name],
      /[\r\n]/.test(value)
        ? "header values cannot contain line breaks"
        : "header values may only contain visible ASCII, spaces, tabs and Latin-1 characters (U+0080 to U+00FF)",
    );
  }
}

/**
 * Static URL policy at save time: scheme, https-only (global or per application), private IP literals.
 * DNS answers are checked again at send time.
 */
export function validateEndpointUrl(
  ctx: Context,
  app: ApplicationRow,
  url: string,
  loc = ["body", "url"],
): string {
  // user:password@host would be stored in clear and shown in every listing; credentials have their own sealed home.
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(url)) {
    throw ValidationError.field(
      loc,
      "credentials in the URL (user:password@) are not accepted: use delivery.credentials (type basic) instead",
    );
  }
  const result = checkUrlStatically(url, {
    requireHttps: ctx.config.requireHttps || app.requireHttps,
    policy: ctx.addressPolicy,
  });
  if (!result.ok) throw ValidationError.field(loc, result.reason);
  return result.url.toString();
}

export async function requireEndpoint(ctx: Context, appId: string, idOrUid: string): Promise<EndpointRow> {
  const endpoint = await ctx.store.getEndpoint(appId, idOrUid);
  if (!endpoint) throw new NotFoundError("Endpoint");
  return endpoint;
}

/** Splits the API's `delivery` object into stored options and sealed credentials. */
function deliveryParts(ctx: Context, delivery: DeliveryInput | null | undefined) {
  const { credentials, ...options } = delivery ?? {};
  validateDeliveryOptions(delivery ?? {});
  return { options, credentialsSealed: sealCredentials(ctx.secrets, credentials) };
}

/** Validates an endpoint input and builds its row without storing it (create, and the request preview). */
export function newEndpointRow(ctx: Context, app: ApplicationRow, input: EndpointInput): EndpointRow {
  const url = validateEndpointUrl(ctx, app, input.url);
  if (input.headers) validateHeaders(input.headers, ["body", "headers"]);
  if (input.secret) validateEndpointSecret(input.secret, input.delivery?.signature);
  const { options, credentialsSealed } = deliveryParts(ctx, input.delivery);
  const now = ctx.now();
  return {
    id: newId("ep", now),
    appId: app.id,
    uid: input.uid ?? null,
    url,
    description: input.description ?? "",
    disabled: input.disabled ?? false,
    eventTypes: input.eventTypes ?? null,
    channels: input.channels ?? null,
    metadata: input.metadata ?? {},
    throttleRate: input.throttleRate ?? null,
    headers: sealSensitiveHeaders(ctx.secrets, input.headers ?? {}),
    secretsSealed: sealSecrets(ctx.secrets, [{ key: input.secret ?? generateSecret(), expiresAt: null }]),
    health: { failingSince: null, consecutiveFailures: 0, circuitOpenUntil: null },
    delivery: options,
    credentialsSealed,
    transformation: null,
    createdAt: now,
    updatedAt: now,
  };
}

export async function createEndpoint(
  ctx: Context,
  app: ApplicationRow,
  input: EndpointInput,
): Promise<EndpointRow> {
  const row = newEndpointRow(ctx, app, input);
  await assertEndpointQuota(ctx, app.id);
  await ctx.store.insertEndpoint(row);
  await emitEndpointEvent(ctx, "endpoint.created", app, row);
  return row;
}

export async function deleteEndpoint(
  ctx: Context,
  app: ApplicationRow,
  endpoint: EndpointRow,
): Promise<void> {
  await ctx.store.deleteEndpoint(app.id, endpoint.id);
  await emitEndpointEvent(ctx, "endpoint.deleted", app, endpoint);
}

/**
 * The row `changes` would make, validated, without storing it (save, and the request preview). `delivery: undefined`
 * keeps the options, `null` resets them; credentials are kept unless `delivery` names them.
 */
export function changedEndpointRow(
  ctx: Context,
  app: ApplicationRow,
  existing: EndpointRow,
  changes: Partial<Omit<EndpointInput, "secret">>,
): EndpointRow {
  const url = changes.url === undefined ? existing.url : validateEndpointUrl(ctx, app, changes.url);
  let delivery = existing.delivery;
  let credentialsSealed = existing.credentialsSealed;
  if (changes.delivery !== undefined) {
    const parts = deliveryParts(ctx, changes.delivery);
    delivery = parts.options;
    if (changes.delivery === null || changes.delivery.credentials !== undefined) {
      credentialsSealed = parts.credentialsSealed;
    }
  }
  if (changes.headers) validateHeaders(changes.headers, ["body", "headers"]);
  return {
    ...existing,
    url,
    description: changes.description ?? existing.description,
    uid: changes.uid === undefined ? existing.uid : changes.uid,
    disabled: changes.disabled ?? existing.disabled,
    eventTypes: changes.eventTypes === undefined ? existing.eventTypes : changes.eventTypes,
    channels: changes.channels === undefined ? existing.channels : changes.channels,
    metadata: changes.metadata ?? existing.metadata,
    throttleRate: changes.throttleRate === undefined ? existing.throttleRate : changes.throttleRate,
    headers: changes.headers
      ? sealSensitiveHeaders(ctx.secrets, changes.headers, [
          ...(changes.sensitiveHeaders ?? []),
          ...visibleHeaders(existing).sensitive,
        ])
      : existing.headers,
    delivery,
    credentialsSealed,
    updatedAt: ctx.now(),
  };
}

export async function saveEndpoint(
  ctx: Context,
  app: ApplicationRow,
  existing: EndpointRow,
  changes: Partial<Omit<EndpointInput, "secret">>,
): Promise<EndpointRow> {
  const row = changedEndpointRow(ctx, app, existing, changes);
  const reenabled = existing.disabled && changes.disabled === false;
  await ctx.store.updateEndpoint(row);
  // Re-enabling starts a fresh failure window, or the 5-day rule would disable it again at once.
  if (reenabled) await ctx.store.resetEndpointHealth(row.id);
  await emitEndpointEvent(ctx, "endpoint.updated", app, row);
  if (reenabled) await emitEndpointEvent(ctx, "endpoint.enabled", app, row);
  if (!existing.disabled && row.disabled) {
    await emitEndpointEvent(ctx, "endpoint.disabled", app, row, { trigger: "manual" });
  }
  return row;
}

export function endpointSecret(ctx: Context, endpoint: EndpointRow): string {
  return currentSecret(openSecrets(ctx.secrets, endpoint.secretsSealed));
}

export async function rotateEndpointSecret(
  ctx: Context,
  endpoint: EndpointRow,
  key: string | null | undefined,
  graceSeconds: number | null | undefined,
): Promise<void> {
  const now = ctx.now();
  const graceMs =
    graceSeconds === null || graceSeconds === undefined ? DEFAULT_ROTATION_GRACE_MS : graceSeconds * 1000;
  if (key) validateEndpointSecret(key, endpoint.delivery.signature);
  const entries = rotateSecrets(
    openSecrets(ctx.secrets, endpoint.secretsSealed),
    now,
    graceMs,
    key ?? undefined,
  );
  await ctx.store.updateEndpoint({
    ...endpoint,
    secretsSealed: sealSecrets(ctx.secrets, entries),
    updatedAt: now,
  });
}

/** Headers as the API shows them (Svix's EndpointHeadersOut): sensitive values redacted, their names listed. */
export function visibleHeaders(endpoint: EndpointRow): {
  headers: Record<string, string>;
  sensitive: string[];
} {
  const headers: Record<string, string> = {};
  const sensitive: string[] = [];
  for (const [name, value] of Object.entries(endpoint.headers)) {
    if (isSealedHeader(value)) sensitive.push(name);
    else headers[name] = value;
  }
  return { headers, sensitive };
}

export async function patchEndpointHeaders(
  ctx: Context,
  endpoint: EndpointRow,
  patch: Record<string, string | null>,
  sensitive: string[] = [],
): Promise<void> {
  validateHeaders(patch, ["body", "headers"]);
  const headers = { ...endpoint.headers };
  for (const [name, value] of Object.entries(patch)) {
    // Header names are case-insensitive: a patch replaces or removes any spelling of the same name.
    for (const existing of Object.keys(headers)) {
      if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing];
    }
    if (value !== null) headers[name] = value;
  }
  await ctx.store.updateEndpoint({
    ...endpoint,
    // A header once sealed stays sealed when its value changes.
    headers: sealSensitiveHeaders(ctx.secrets, headers, [
      ...sensitive,
      ...visibleHeaders(endpoint).sensitive,
    ]),
    updatedAt: ctx.now(),
  });
}
