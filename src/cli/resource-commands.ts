import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { type ApiClient, CliError, queryOf } from "./api-client.ts";
import { type AttemptView, type Column, formatTable } from "./table.ts";

const CLIENT_NOTE = `Talks to a running Outbound at OUTBOUND_URL (default http://localhost:$PORT) with OUTBOUND_API_TOKEN.`;

export const SEND_USAGE = `Usage: outbound send --app <app id or uid> --type <event type> --data <json | @file.json | @->
         [--event-id <id>] [--channel <channel>]... [--json]

Creates a message; every endpoint of the application subscribed to the event type gets it. --data takes JSON,
@file to read a file, @- to read standard input. Prints the message id, or the API's answer with --json.
${CLIENT_NOTE}`;

export const APPS_USAGE = `Usage: outbound apps [--limit <n>] [--json]

Lists applications as a table (--json: the API's list response, for scripts).
${CLIENT_NOTE}`;

export const ENDPOINTS_USAGE = `Usage: outbound endpoints --app <app id or uid> [--limit <n>] [--json]

Lists an application's endpoints as a table (--json: the API's list response).
${CLIENT_NOTE}`;

export const MESSAGES_USAGE = `Usage: outbound messages --app <app id or uid> [--type <event type>] [--limit <n>] [--json]

Lists an application's messages, newest first (--json: the API's list response).
${CLIENT_NOTE}`;

export const ATTEMPTS_USAGE = `Usage: outbound attempts --app <app id or uid> (--msg <message id> | --endpoint <endpoint id>)
         [--limit <n>] [--json]

Lists delivery attempts of a message or an endpoint, newest first (--json: the API's list response).
${CLIENT_NOTE}`;

export interface CommandIo {
  out: NodeJS.WritableStream;
  /** Standard input as text, for `--data @-`. */
  readStdin: () => string;
}

interface ListResponse<T> {
  data: T[];
  done: boolean;
}

/** `--data` as JSON: literal text, `@file`, or `@-` for standard input. */
export function parseDataArgument(
  value: string,
  read: (file: string) => string,
  readStdin: () => string,
): unknown {
  let text = value;
  let source = "--data";
  if (value === "@-") {
    text = readStdin();
    source = "standard input";
  } else if (value.startsWith("@")) {
    const file = value.slice(1);
    try {
      text = read(file);
    } catch (error) {
      throw new CliError(
        `Cannot read ${file} for --data: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
    source = file;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(
      `${source} is not valid JSON (${(error as Error).message}); pass a JSON object, @file.json or @-.`,
    );
  }
}

function requireOption(value: string | undefined, flag: string, usage: string): string {
  if (value === undefined || value === "") throw new CliError(`Missing ${flag}.\n\n${usage}`, 2);
  return value;
}

function limitOf(value: string | undefined): number {
  if (value === undefined) return 50;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > 250)
    throw new CliError("--limit must be a whole number from 1 to 250.", 2);
  return limit;
}

const path = (value: string) => encodeURIComponent(value);

export async function runSendCommand(argv: string[], api: ApiClient, io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      app: { type: "string" },
      type: { type: "string" },
      data: { type: "string" },
      "event-id": { type: "string" },
      channel: { type: "string", multiple: true },
      json: { type: "boolean" },
    },
  });
  const app = requireOption(values.app, "--app", SEND_USAGE);
  const eventType = requireOption(values.type, "--type", SEND_USAGE);
  const payload = parseDataArgument(
    requireOption(values.data, "--data", SEND_USAGE),
    (file) => readFileSync(file, "utf8"),
    io.readStdin,
  );
  const message = await api.request<{ id: string; eventType: string }>(
    "POST",
    `/api/v1/app/${path(app)}/msg`,
    {
      eventType,
      payload,
      ...(values["event-id"] ? { eventId: values["event-id"] } : {}),
      ...(values.channel ? { channels: values.channel } : {}),
    },
  );
  io.out.write(
    values.json
      ? `${JSON.stringify(message, null, 2)}\n`
      : `Sent ${message.id} (${message.eventType}) to ${app}\n`,
  );
  return 0;
}

async function runListing<T>(
  argv: string[],
  extra: Record<string, { type: "string" }>,
  io: CommandIo,
  load: (values: Record<string, string | undefined>, limit: number) => Promise<ListResponse<T>>,
  columns: ReadonlyArray<Column<T>>,
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { ...extra, limit: { type: "string" }, json: { type: "boolean" } },
  });
  const { json, limit, ...rest } = values as Record<string, string | boolean | undefined>;
  const list = await load(rest as Record<string, string | undefined>, limitOf(limit as string | undefined));
  io.out.write(json ? `${JSON.stringify(list, null, 2)}\n` : formatTable(list.data, columns));
  if (!json && !list.done) io.out.write(`(more: raise --limit, up to 250)\n`);
  return 0;
}

interface AppRow {
  id: string;
  uid: string | null;
  name: string;
  createdAt: string;
}
interface EndpointRow {
  id: string;
  url: string;
  disabled: boolean;
  eventTypes: string[] | null;
  description: string;
}
interface MessageRow {
  id: string;
  eventType: string;
  eventId: string | null;
  timestamp: string;
}

const time = (iso: string) => iso.replace("T", " ").slice(0, 19);

export function runAppsCommand(argv: string[], api: ApiClient, io: CommandIo): Promise<number> {
  return runListing<AppRow>(
    argv,
    {},
    io,
    (_values, limit) => api.request("GET", `/api/v1/app${queryOf({ limit })}`),
    [
      { title: "ID", value: (r) => r.id },
      { title: "UID", value: (r) => r.uid ?? "" },
      { title: "NAME", value: (r) => r.name, max: 40 },
      { title: "CREATED", value: (r) => time(r.createdAt) },
    ],
  );
}

export function runEndpointsCommand(argv: string[], api: ApiClient, io: CommandIo): Promise<number> {
  return runListing<EndpointRow>(
    argv,
    { app: { type: "string" } },
    io,
    (values, limit) => {
      const app = requireOption(values.app, "--app", ENDPOINTS_USAGE);
      return api.request("GET", `/api/v1/app/${path(app)}/endpoint${queryOf({ limit })}`);
    },
    [
      { title: "ID", value: (r) => r.id },
      { title: "STATE", value: (r) => (r.disabled ? "disabled" : "enabled") },
      { title: "EVENT TYPES", value: (r) => r.eventTypes?.join(",") ?? "(all)", max: 40 },
      { title: "URL", value: (r) => r.url, max: 80 },
    ],
  );
}

export function runMessagesCommand(argv: string[], api: ApiClient, io: CommandIo): Promise<number> {
  return runListing<MessageRow>(
    argv,
    { app: { type: "string" }, type: { type: "string" } },
    io,
    (values, limit) => {
      const app = requireOption(values.app, "--app", MESSAGES_USAGE);
      const query = queryOf({ limit, event_types: values.type });
      return api.request("GET", `/api/v1/app/${path(app)}/msg${query}`);
    },
    [
      { title: "ID", value: (r) => r.id },
      { title: "EVENT TYPE", value: (r) => r.eventType },
      { title: "EVENT ID", value: (r) => r.eventId ?? "" },
      { title: "CREATED", value: (r) => time(r.timestamp) },
    ],
  );
}

const STATUS = ["success", "pending", "fail", "sending"];

export function runAttemptsCommand(argv: string[], api: ApiClient, io: CommandIo): Promise<number> {
  return runListing<AttemptView>(
    argv,
    { app: { type: "string" }, msg: { type: "string" }, endpoint: { type: "string" } },
    io,
    (values, limit) => {
      const app = requireOption(values.app, "--app", ATTEMPTS_USAGE);
      if ((values.msg === undefined) === (values.endpoint === undefined)) {
        throw new CliError(`Give either --msg or --endpoint.\n\n${ATTEMPTS_USAGE}`, 2);
      }
      const target = values.msg ? `msg/${path(values.msg)}` : `endpoint/${path(values.endpoint ?? "")}`;
      return api.request("GET", `/api/v1/app/${path(app)}/attempt/${target}${queryOf({ limit })}`);
    },
    [
      { title: "ID", value: (r) => r.id },
      { title: "STATUS", value: (r) => STATUS[r.status] ?? String(r.status) },
      { title: "CODE", value: (r) => (r.responseStatusCode === 0 ? "---" : String(r.responseStatusCode)) },
      { title: "MS", value: (r) => String(r.responseDurationMs) },
      { title: "MESSAGE", value: (r) => r.msgId },
      { title: "ENDPOINT", value: (r) => r.endpointId },
      { title: "TIME", value: (r) => time(r.timestamp) },
    ],
  );
}
