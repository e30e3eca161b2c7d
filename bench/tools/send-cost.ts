/**
 * CPU per delivery of the sending path alone: buildRequest → HttpSender.send → what the worker's attempt row makes
 * of it (maskQueryTokens of the endpoint URL, JSON of the logged request), 64 attempts in flight over 10 endpoints,
 * against a loopback receiver in a child process (answers 204, or 200 with a small body and headers with --body).
 * No store and no worker: only what src/delivery/http-sender.ts, request-builder.ts and src/webhook/ do per attempt.
 *
 *   node bench/tools/send-cost.ts [--src DIR] [--deliveries 60000] [--rounds 3] [--body]
 *
 * --src imports the code under test from another checkout's src/ (A/B: run it once with --src /work/main/src);
 * the report is this process's CPU µs per delivery (user + system) and deliveries/s per round.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { payloadFor } from "../lib/load.ts";

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};
const SRC = path.resolve(option("--src", path.join(import.meta.dirname, "../../src")));
const DELIVERIES = Number(option("--deliveries", "60000"));
const ROUNDS = Number(option("--rounds", "3"));
const WITH_BODY = args.includes("--body");
const IN_FLIGHT = 64;
const ENDPOINTS = 10;

const load = (file: string) => import(pathToFileURL(path.join(SRC, file)).href);
const { buildRequest, maskQueryTokens } = await load("delivery/request-builder.ts");
const { createHttpSender } = await load("delivery/http-sender.ts");
const { createAddressPolicy } = await load("webhook/address-policy.ts");

const RECEIVER = `
const http = require("node:http");
const withBody = process.argv[1] === "body";
const server = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    if (withBody) {
      res.writeHead(200, { "content-type": "application/json", "x-request-id": "r-123", "set-cookie": "sid=abc; Path=/" });
      res.end('{"ok":true}');
    } else {
      res.writeHead(204);
      res.end();
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => process.stdout.write(String(server.address().port) + "\\n"));
`;
const receiver = spawn(process.execPath, ["-e", RECEIVER, WITH_BODY ? "body" : "empty"], {
  stdio: ["ignore", "pipe", "inherit"],
});
const [portLine] = (await once(receiver.stdout, "data")) as [Buffer];
const port = Number(portLine.toString().trim());

const payload = (i: number) => JSON.stringify(payloadFor(i));

const endpoints = Array.from({ length: ENDPOINTS }, (_, i) => ({
  id: `ep_${i}`,
  appId: "app_bench",
  url: `http://127.0.0.1:${port}/delivery/${i}`,
  headers: {},
  delivery: {},
}));
const secrets = ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"];
const sender = createHttpSender({
  timeoutMs: 15_000,
  policy: createAddressPolicy(["127.0.0.0/8", "::1/128"]),
  requireHttps: false,
  caFile: undefined,
});

async function round(offset: number): Promise<{ cpuUs: number; perS: number }> {
  let next = 0;
  let failures = 0;
  const lane = async () => {
    while (next < DELIVERIES) {
      const i = next++;
      const endpoint = endpoints[i % ENDPOINTS] as (typeof endpoints)[number];
      const stop = new AbortController();
      const built = buildRequest({
        endpoint,
        message: { id: `msg_${offset + i}`, payload: payload(i) },
        secrets,
        credentials: null,
        sensitiveHeaders: [],
        timestampSeconds: Math.floor(Date.now() / 1000),
        userAgent: "Outbound/0.1.0",
      });
      const result = await sender.send(built.request, stop.signal);
      // What worker.ts attemptRow does with the result.
      const row = {
        url: maskQueryTokens(endpoint.url),
        request: JSON.stringify(built.logged),
        response: result.responseText,
        responseHeaders: result.responseHeaders ?? null,
      };
      if (result.statusCode === 0 || row.request.length === 0) failures++;
    }
  };
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  if (failures > 0) throw new Error(`${failures} deliveries failed`);
  return { cpuUs: (cpu.user + cpu.system) / DELIVERIES, perS: DELIVERIES / seconds };
}

await round(-DELIVERIES); // warm-up: JIT, connections
const results: Array<{ cpuUs: number; perS: number }> = [];
for (let r = 0; r < ROUNDS; r++) results.push(await round(r * DELIVERIES));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
process.stdout.write(
  `${SRC}${WITH_BODY ? " (200 + body)" : ""}: CPU µs/delivery ${results.map((r) => r.cpuUs.toFixed(1)).join(" ")}` +
    ` (median ${median(results.map((r) => r.cpuUs)).toFixed(1)}); deliveries/s ${results.map((r) => Math.round(r.perS)).join(" ")}\n`,
);
await sender.close();
receiver.kill();
