import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { type ApiClient, CliError, queryOf } from "./api-client.ts";
import { type AttemptView, formatAttemptLine } from "./table.ts";

export const TAIL_USAGE = `Usage: outbound tail --app <app id or uid> [--endpoint <endpoint id>] [--interval <ms>] [--json]

Follows delivery attempts of an application as they happen, one line each: time, outcome (ok, retry, fail),
status code, duration, message and endpoint. Colours on a terminal (NO_COLOR=1 turns them off); --json prints one
JSON attempt per line. Ctrl-C stops. Talks to a running Outbound at OUTBOUND_URL with OUTBOUND_API_TOKEN.`;

export interface TailIo {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  color: boolean;
  /** Aborted on Ctrl-C / SIGTERM: the command then returns 0. */
  signal: AbortSignal;
}

interface ListResponse<T> {
  data: T[];
  iterator: string | null;
  done: boolean;
}

/** How many polls between re-reading the endpoint list (new endpoints join the tail). */
const ENDPOINT_REFRESH_POLLS = 10;

/** Attempts newer than `lastSeen`, oldest first. Ids are time-ordered, so "newer" is a string comparison. */
export function newAttempts(page: readonly AttemptView[], lastSeen: string): AttemptView[] {
  return page.filter((attempt) => attempt.id > lastSeen).sort((a, b) => (a.id < b.id ? -1 : 1));
}

export async function runTailCommand(argv: string[], api: ApiClient, io: TailIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      app: { type: "string" },
      endpoint: { type: "string" },
      interval: { type: "string" },
      json: { type: "boolean" },
    },
  });
  if (!values.app) throw new CliError(`Missing --app.\n\n${TAIL_USAGE}`, 2);
  const interval = values.interval === undefined ? 1000 : Number(values.interval);
  if (!Number.isInteger(interval) || interval < 50)
    throw new CliError("--interval must be a whole number of ms, at least 50.", 2);
  const app = encodeURIComponent(values.app);

  const listEndpoints = async (): Promise<string[]> => {
    if (values.endpoint) return [values.endpoint];
    const ids: string[] = [];
    let iterator: string | undefined;
    do {
      const page = await api.request<ListResponse<{ id: string }>>(
        "GET",
        `/api/v1/app/${app}/endpoint${queryOf({ limit: 250, iterator })}`,
      );
      ids.push(...page.data.map((endpoint) => endpoint.id));
      iterator = page.done ? undefined : (page.iterator ?? undefined);
    } while (iterator);
    return ids;
  };
  const latest = (endpoint: string, limit: number) =>
    api.request<ListResponse<AttemptView>>(
      "GET",
      `/api/v1/app/${app}/attempt/endpoint/${encodeURIComponent(endpoint)}${queryOf({ limit })}`,
    );

  // Start from what exists now: only attempts made from here on are shown. Endpoints found later were created
  // after the start, so all their attempts are new.
  const lastSeen = new Map<string, string>();
  for (const endpoint of await listEndpoints()) {
    lastSeen.set(endpoint, (await latest(endpoint, 1)).data[0]?.id ?? "");
  }
  const track = (endpoints: string[]) => {
    for (const endpoint of endpoints) if (!lastSeen.has(endpoint)) lastSeen.set(endpoint, "");
  };
  io.err.write(`Following attempts of ${values.app} (${lastSeen.size} endpoints); Ctrl-C to stop.\n`);

  for (let poll = 1; !io.signal.aborted; poll++) {
    try {
      await sleep(interval, undefined, { signal: io.signal });
    } catch {
      break;
    }
    if (poll % ENDPOINT_REFRESH_POLLS === 0) track(await listEndpoints());
    const fresh: AttemptView[] = [];
    for (const [endpoint, seen] of lastSeen) {
      const attempts = newAttempts((await latest(endpoint, 50)).data, seen);
      const newest = attempts.at(-1);
      if (newest) lastSeen.set(endpoint, newest.id);
      fresh.push(...attempts);
    }
    for (const attempt of newAttempts(fresh, "")) {
      io.out.write(
        values.json ? `${JSON.stringify(attempt)}\n` : `${formatAttemptLine(attempt, io.color)}\n`,
      );
    }
  }
  return 0;
}
