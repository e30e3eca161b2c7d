import { parseArgs } from "node:util";
import type { ClientConfig } from "../config.ts";
import { type ApiClient, CliError, queryOf, refusalError } from "./api-client.ts";

export const LISTEN_USAGE = `Usage: outbound listen --app <app id or uid> --forward-to <http://localhost:3000/hook>
         [--events <type,type>] [--json]

Like \`stripe listen\`: creates a temporary relay endpoint on the application whose deliveries stream to this
command (the server never connects to your machine), forwards each to --forward-to with its headers and signature,
prints it, and reports your receiver's answer back as the attempt's response. Prints the endpoint's signing secret
for your receiver. The endpoint is removed when the command stops (Ctrl-C). Talks to a running Outbound at
OUTBOUND_URL with OUTBOUND_API_TOKEN (the operator token).`;

interface RelayRequest {
  id: string;
  method: string;
  query: string;
  headers: Record<string, string>;
  body: string | null;
}

export interface ServerSentEvent {
  event: string;
  data: string;
}

/** Pure: splits an SSE text stream into complete events; returns them and the unfinished rest. */
export function parseServerSentEvents(buffer: string): { events: ServerSentEvent[]; rest: string } {
  const blocks = buffer.split("\n\n");
  const rest = blocks.pop() ?? "";
  const events: ServerSentEvent[] = [];
  for (const block of blocks) {
    let event = "message";
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) continue; // comment (keep-alive)
      if (line.startsWith("event:")) event = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
    }
    if (data.length > 0) events.push({ event, data: data.join("\n") });
  }
  return { events, rest };
}

/** Headers the local request must not copy: hop-by-hop or computed by fetch for the new connection. */
const NOT_FORWARDED = new Set(["host", "content-length", "connection", "transfer-encoding", "keep-alive"]);

export interface ListenIo {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  signal: AbortSignal;
}

export async function runListenCommand(
  argv: string[],
  client: ClientConfig,
  api: ApiClient,
  io: ListenIo,
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      app: { type: "string" },
      "forward-to": { type: "string" },
      events: { type: "string" },
      json: { type: "boolean" },
    },
  });
  if (!values.app) throw new CliError(`Missing --app.\n\n${LISTEN_USAGE}`, 2);
  const forwardTo = values["forward-to"];
  if (!forwardTo || !/^https?:\/\//.test(forwardTo)) {
    throw new CliError(
      `--forward-to must be an http(s) URL, e.g. http://localhost:3000/hook.\n\n${LISTEN_USAGE}`,
      2,
    );
  }
  if (!client.token) throw new CliError("Set OUTBOUND_API_TOKEN to the server's operator API token.");
  const app = encodeURIComponent(values.app);
  let response: Response;
  try {
    response = await fetch(
      `${client.url}/api/v1/app/${app}/relay${queryOf({ event_types: values.events })}`,
      {
        headers: { authorization: `Bearer ${client.token}`, accept: "text/event-stream" },
        signal: io.signal,
      },
    );
  } catch (error) {
    if (io.signal.aborted) return 0;
    throw new CliError(
      `Cannot reach Outbound at ${client.url} (${(error as Error).message}). Set OUTBOUND_URL.`,
    );
  }
  if (!response.ok || !response.body) {
    const body: unknown = await response.json().catch(() => undefined);
    throw refusalError(client.url, "Opening the relay", response.status, body);
  }

  const forward = async (delivery: RelayRequest) => {
    const target = delivery.query
      ? `${forwardTo}${forwardTo.includes("?") ? "&" : "?"}${delivery.query}`
      : forwardTo;
    const headers = Object.fromEntries(
      Object.entries(delivery.headers).filter(([name]) => !NOT_FORWARDED.has(name.toLowerCase())),
    );
    let answer: { status: number; body: string; headers?: Array<[string, string]> };
    const started = performance.now();
    try {
      const local = await fetch(target, {
        method: delivery.method,
        headers,
        ...(delivery.body === null ? {} : { body: delivery.body }),
        redirect: "manual",
      });
      answer = { status: local.status, body: await local.text(), headers: [...local.headers] };
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      answer = { status: 0, body: `could not reach ${forwardTo}: ${cause}` };
    }
    const ms = Math.round(performance.now() - started);
    const id = delivery.headers["webhook-id"] ?? delivery.id;
    io.out.write(
      values.json
        ? `${JSON.stringify({ ...delivery, answer })}\n`
        : `${new Date().toISOString().slice(11, 19)} ${delivery.method} ${id} → ${forwardTo} ${answer.status === 0 ? "unreachable" : answer.status} (${ms} ms)\n`,
    );
    await api
      .request("POST", `/api/v1/app/${app}/relay/answer/${delivery.id}`, answer)
      .catch((error: unknown) => {
        io.err.write(`Reporting the answer failed: ${(error as Error).message}\n`);
      });
  };

  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for await (const chunk of response.body) {
      buffer += decoder.decode(chunk, { stream: true });
      const { events, rest } = parseServerSentEvents(buffer);
      buffer = rest;
      for (const { event, data } of events) {
        if (event === "ready") {
          const ready = JSON.parse(data) as { endpointId: string; secret: string };
          io.err.write(
            `Ready: deliveries of ${values.app} go to ${forwardTo} (temporary endpoint ${ready.endpointId}).\nSigning secret for your receiver: ${ready.secret}\nCtrl-C to stop.\n`,
          );
        } else if (event === "delivery") {
          void forward(JSON.parse(data) as RelayRequest);
        }
      }
    }
  } catch (error) {
    if (!io.signal.aborted) throw new CliError(`The relay stream broke: ${(error as Error).message}`);
    return 0;
  }
  if (io.signal.aborted) return 0;
  throw new CliError("The server closed the relay (it is shutting down?); the temporary endpoint is gone.");
}
