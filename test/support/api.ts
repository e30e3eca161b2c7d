/**
 * Raw JSON calls to the Outbound API, for Outbound's extensions (e.g. an endpoint's `delivery` options) that the
 * svix SDK does not know and would drop.
 */
import type { TestServer } from "./server.ts";

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  body: T;
}

export async function api<T = Record<string, unknown>>(
  server: Pick<TestServer, "url" | "token">,
  method: string,
  path: string,
  body?: unknown,
): Promise<ApiResponse<T>> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${server.token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
}

/** Creates an endpoint with Outbound options; fails the test with the server's answer if it is not 201. */
export async function createEndpoint(
  server: Pick<TestServer, "url" | "token">,
  appId: string,
  body: Record<string, unknown>,
): Promise<{ id: string } & Record<string, unknown>> {
  const response = await api<{ id: string }>(server, "POST", `/api/v1/app/${appId}/endpoint`, body);
  if (response.status !== 201) {
    throw new Error(`endpoint create answered ${response.status}: ${JSON.stringify(response.body)}`);
  }
  return response.body;
}
