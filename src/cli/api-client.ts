import type { ClientConfig } from "../config.ts";

/** A failed CLI call, worded so the message names the fix; the CLI prints it and exits with `exitCode`. */
export class CliError extends Error {
  /** 2 for a usage mistake (missing or invalid option), 1 for anything else, like the other commands. */
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

export interface ApiClient {
  readonly url: string;
  request<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T>;
}

/** The query string of `params`, leaving out undefined values (`?a=1&b=2`, or "" when empty). */
export function queryOf(params: Record<string, string | number | undefined>): string {
  const entries = Object.entries(params).filter(
    (entry): entry is [string, string | number] => entry[1] !== undefined,
  );
  return entries.length === 0
    ? ""
    : `?${new URLSearchParams(entries.map(([k, v]): [string, string] => [k, String(v)]))}`;
}

/** Why the server refused, in words: 422 field errors as `body.url: msg`, else its `detail`. */
export function describeRefusal(status: number, body: unknown): string {
  const detail = (body as { detail?: unknown } | null)?.detail;
  if (Array.isArray(detail)) {
    return detail
      .map(
        (issue: { loc?: unknown[]; msg?: string }) =>
          `${(issue.loc ?? []).join(".")}: ${issue.msg ?? "invalid"}`,
      )
      .join("\n");
  }
  if (typeof detail === "string") return detail;
  return `HTTP ${status}`;
}

/** The error for a non-2xx answer, naming the fix where there is one. */
export function refusalError(url: string, request: string, status: number, body: unknown): CliError {
  if (status === 401) return new CliError(`${url} refused the token (401): check OUTBOUND_API_TOKEN.`);
  if (status === 403) {
    return new CliError(
      `${describeRefusal(403, body)} (403): use the operator API token in OUTBOUND_API_TOKEN.`,
    );
  }
  return new CliError(`${request} failed (${status}): ${describeRefusal(status, body)}`);
}

/** The Outbound API over fetch, with the token from OUTBOUND_API_TOKEN; every failure says what to change. */
export function createApiClient(config: ClientConfig): ApiClient {
  const token = config.token;
  return {
    url: config.url,
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      if (!token) {
        throw new CliError(
          "Set OUTBOUND_API_TOKEN to the server's API token (the one `outbound serve` printed on its first start, or the value it was started with).",
        );
      }
      let response: Response;
      try {
        response = await fetch(`${config.url}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(body === undefined ? {} : { "content-type": "application/json" }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        throw new CliError(
          `Cannot reach Outbound at ${config.url} (${cause?.code ?? cause?.message ?? (error as Error).message}). Is it running? Set OUTBOUND_URL to its address.`,
        );
      }
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = text === "" ? undefined : JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      if (!response.ok) throw refusalError(config.url, `${method} ${path}`, response.status, parsed);
      return parsed as T;
    },
  };
}
