/**
 * CSV import: a generated participant file (1,000,000 rows full, 100,000 with --quick) streamed to
 * POST …/participant/import, then the job followed to the end. Reports rows/s, total time and the server's peak
 * RSS; the baseline is the time to merely parse the same file with csv-parse in this process.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { parse } from "csv-parse";
import { BATCH_ROWS } from "../../src/directory/csv-import-batch.ts";
import { Api } from "../lib/api.ts";
import type { Scenario } from "../lib/context.ts";
import { metric } from "../lib/context.ts";
import { check } from "../lib/results.ts";
import { sampleMemory, startServer } from "../lib/server.ts";
import { round } from "../lib/stats.ts";

const TARGET_S = 30;
const TARGET_RSS_MB = 300;

function writeCsv(file: string, rows: number): void {
  const out = fs.openSync(file, "w");
  try {
    fs.writeSync(out, "member,FirstName,Score,Occupation,JoinedAt,RecontactMethod,consent,tags\n");
    const occupations = ["dev", "ops", "Developer"];
    let chunk = "";
    for (let i = 1; i <= rows; i++) {
      chunk += `m${i},"Name ${i}",${i % 1000},${occupations[i % 3]},2024-01-${String((i % 28) + 1).padStart(2, "0")}T10:00:00Z,External,yes,vip|batch${i % 10}\n`;
      if (chunk.length > 1 << 20) {
        fs.writeSync(out, chunk);
        chunk = "";
      }
    }
    fs.writeSync(out, chunk);
  } finally {
    fs.closeSync(out);
  }
}

async function parseOnly(file: string): Promise<number> {
  const started = performance.now();
  let rows = 0;
  for await (const _record of fs.createReadStream(file).pipe(parse({ columns: true }))) rows++;
  if (rows === 0) throw new Error("empty CSV");
  return (performance.now() - started) / 1000;
}

/** CPU seconds (user + system) the process has used: less noisy than wall time on a shared machine. */
function cpuSeconds(pid: number): number | null {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    // utime and stime are fields 14 and 15 of stat, i.e. 11 and 12 after the command name.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

interface Job {
  id: string;
  state: string;
  rowsRead: number;
  created: number;
  failed: number;
  message: string | null;
}

export const importScenario: Scenario = {
  name: "import",
  title: "participant CSV import: time and server RSS",
  async run(ctx) {
    const rows = ctx.size(1_000_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "outbound-bench-import-"));
    const file = path.join(dir, "participants.csv");
    writeCsv(file, rows);
    const sizeMb = fs.statSync(file).size / 1024 / 1024;
    const parseSeconds = await parseOnly(file);
    const server = await startServer();
    const api = new Api(server);
    const memory = sampleMemory(server);
    try {
      const appId = await api.createApp("bench-import");
      await api.call("POST", `/api/v1/app/${appId}/issuer`, { id: "crm" }, 201);
      await api.call(
        "POST",
        `/api/v1/app/${appId}/attribute`,
        { label: "FirstName", valueType: "String" },
        201,
      );
      await api.call("POST", `/api/v1/app/${appId}/attribute`, { label: "Score", valueType: "Number" }, 201);
      await api.call(
        "POST",
        `/api/v1/app/${appId}/attribute`,
        { label: "JoinedAt", valueType: "DateTime" },
        201,
      );
      await api.call(
        "POST",
        `/api/v1/app/${appId}/attribute`,
        {
          label: "Occupation",
          valueType: "SingleChoice",
          choices: [
            { value: "dev", label: "Developer" },
            { value: "ops", label: "Operator" },
          ],
        },
        201,
      );
      const query = new URLSearchParams({
        idColumn: "member",
        issuer: "crm",
        consentColumn: "consent",
        tagsColumn: "tags",
      });
      const cpuBefore = cpuSeconds(server.pid);
      const started = performance.now();
      const upload = await fetch(`${server.url}/api/v1/app/${appId}/participant/import?${query}`, {
        method: "POST",
        headers: { authorization: `Bearer ${server.token}`, "content-type": "text/csv" },
        body: Readable.toWeb(fs.createReadStream(file)) as ReadableStream,
        duplex: "half",
      } as RequestInit);
      if (upload.status !== 202) throw new Error(`upload answered ${upload.status}: ${await upload.text()}`);
      const uploaded = performance.now();
      let job = (await upload.json()) as Job;
      const deadline = Date.now() + 20 * 60_000;
      // A smoke import is done in a fraction of a second: poll it finely there (the full run keeps 250 ms).
      const pollMs = ctx.smoke ? 20 : 250;
      while (job.state === "queued" || job.state === "running") {
        if (Date.now() > deadline)
          throw new Error(`import still ${job.state} after 20 min (${job.rowsRead} rows)`);
        await new Promise((resolve) => setTimeout(resolve, pollMs));
        job = await api.call<Job>("GET", `/api/v1/app/${appId}/participant/import/${job.id}`, undefined, 200);
      }
      const seconds = (performance.now() - started) / 1000;
      if (job.state !== "completed" || job.created !== rows) {
        throw new Error(
          `import ${job.state}: ${job.created} of ${rows} created, ${job.failed} failed (${job.message})`,
        );
      }
      const cpuAfter = cpuSeconds(server.pid);
      const { peakRssMb } = memory.stop();
      return {
        config: { rows, fileMb: Math.round(sizeMb), batchRows: BATCH_ROWS },
        metrics: [
          metric("total time", seconds, "s", "upload + import, until the job completed"),
          metric("upload time", (uploaded - started) / 1000, "s", "streamed to the data directory"),
          metric("rows/s", rows / seconds, "rows/s"),
          metric("server peak RSS", peakRssMb, "MB", "sampled every 200 ms"),
          ...(cpuBefore === null || cpuAfter === null
            ? []
            : [
                metric(
                  "server CPU time",
                  cpuAfter - cpuBefore,
                  "s",
                  "user + system, from /proc (less noisy)",
                ),
              ]),
          metric(
            "parse-only time (csv-parse, this process)",
            parseSeconds,
            "s",
            "the floor for reading the file",
          ),
        ],
        checks: [
          check({
            metric: `${rows.toLocaleString("en")} rows ≤ ${TARGET_S} s`,
            measured: seconds,
            unit: "s",
            target: `≤ ${TARGET_S} s`,
            goal: { value: TARGET_S * (rows / 1_000_000), direction: "<=", on: "measured" },
            baseline: { value: parseSeconds, label: "parse-only s" },
          }),
          check({
            metric: `server RSS < ${TARGET_RSS_MB} MB`,
            measured: peakRssMb,
            unit: "MB",
            target: `< ${TARGET_RSS_MB} MB`,
            goal: { value: TARGET_RSS_MB, direction: "<=", on: "measured" },
          }),
        ],
        notes: ctx.quick
          ? [`${rows} rows; the time target is scaled to ${round(TARGET_S * (rows / 1_000_000))} s`]
          : [],
      };
    } finally {
      memory.stop();
      await api.close();
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};
