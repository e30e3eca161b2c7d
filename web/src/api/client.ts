import createClient from "openapi-fetch";
import type { paths } from "./schema.d.ts";

/**
 * The UI's only way to the server: openapi-fetch typed by the generated `paths`, so a request the API would not
 * accept (path, query or body) fails `npm run typecheck`. The portal authenticates with its bearer token (from the
 * URL fragment, kept in memory only); the dashboard with its HttpOnly session cookie plus the CSRF header.
 */
export type Api = ReturnType<typeof createApi>;

export function createApi(token: string | null) {
  const headers: Record<string, string> = { "x-outbound-csrf": "1" };
  if (token) headers.authorization = `Bearer ${token}`;
  return createClient<paths>({ baseUrl: window.location.origin, headers, credentials: "same-origin" });
}

export interface FieldIssue {
  loc: (string | number)[];
  msg: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly issues: FieldIssue[];
  constructor(status: number, body: unknown) {
    const detail = (body as { detail?: unknown } | null)?.detail;
    const issues = Array.isArray(detail) ? (detail as FieldIssue[]) : [];
    const text = typeof detail === "string" ? detail : issues.map((issue) => issue.msg).join("; ");
    super(text || `Request failed (${status})`);
    this.status = status;
    this.issues = issues;
  }
  /** The message for one field, e.g. `issueFor("url")` for `["body", "url"]`. */
  issueFor(...path: string[]): string | undefined {
    const wanted = ["body", ...path].join(".");
    return this.issues.find((issue) => issue.loc.join(".").startsWith(wanted))?.msg;
  }
}

/** Unwraps an openapi-fetch result: the data as the caller's response type, or an ApiError. */
export async function call<T>(
  pending: Promise<{ data?: unknown; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await pending;
  if (!response.ok) throw new ApiError(response.status, error ?? null);
  return data as T;
}
