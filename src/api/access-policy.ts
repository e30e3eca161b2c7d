/**
 * Who may call which route, decided from the route Fastify matched (its pattern, e.g. `/api/v1/app/:app_id`),
 * never from the raw URL: `/%61pi/v1/…` matches the same route as `/api/v1/…` and gets the same rule.
 *
 * - `public`: no token (health, the OpenAPI document, unsubscribe pages, the web UI's files).
 * - `admin`: the operator token only.
 * - `tenant`: the operator token, or a portal token of the application named by `:app_id` (when the route has one).
 * - `tenant-read`: like `tenant`, but a portal token may only read (the event catalog).
 *
 * Portal tokens are denied by default: a route reaches them only when a rule below lets it, so a new route is
 * operator-only until someone decides otherwise.
 */
export type Access = "public" | "admin" | "tenant" | "tenant-read";

const PUBLIC_API = new Set([
  "/api/v1/health",
  "/api/v1/health/ping",
  "/api/v1/openapi.json",
  // The dashboard's session routes authenticate for themselves (routes/session.ts).
  "/api/v1/session",
  "/api/v1/session/sign-in",
  "/api/v1/session/sign-out",
]);

/** Resources of one application that its portal token manages (design.md, "Tenants"). */
const TENANT_RESOURCES = /^\/api\/v1\/app\/:app_id\/(endpoint|msg|attempt)(\/|$)/;

export function routeAccess(method: string, pattern: string): Access {
  if (!pattern.startsWith("/api/") || PUBLIC_API.has(pattern)) return "public";
  const reads = method === "GET" || method === "HEAD";
  if (pattern === "/api/v1/auth/logout") return "tenant";
  if (pattern === "/api/v1/event-type" || pattern === "/api/v1/event-type/:event_type_name") {
    return reads ? "tenant-read" : "admin";
  }
  // The application record itself: a tenant reads it, only the operator changes or deletes it.
  if (pattern === "/api/v1/app/:app_id") return reads ? "tenant" : "admin";
  if (TENANT_RESOURCES.test(pattern)) return "tenant";
  return "admin";
}
