/**
 * The README's and docs' examples run as written: every code block marked `<!-- runnable … -->` (see
 * docs/development.md) is extracted and run against a real server with real receivers, so examples cannot rot.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, afterEach, before, test } from "node:test";
import { Webhook } from "standardwebhooks";
import { type ApiResponse, api } from "../support/api.ts";
import { eventually } from "../support/poll.ts";
import {
  freePort,
  reportServerLogsOnFailure,
  startServer,
  stopAllServers,
  type TestServer,
} from "../support/server.ts";

interface Block {
  /** `README.md:42`: where the fence opens. */
  where: string;
  /** What follows `runnable` in the marker: "" (a script), "receiver <driver>" or "http". */
  mode: string;
  lang: string;
  code: string;
}

const MARKER = /^<!--\s*runnable(?:\s+(.*?))?\s*-->$/;

/** Pure: the fenced blocks that directly follow a runnable marker. */
function runnableBlocks(markdown: string, file: string): Block[] {
  const lines = markdown.split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const marker = MARKER.exec(lines[i]?.trim() ?? "");
    if (!marker) continue;
    const fence = /^```(\w*)\s*$/.exec(lines[i + 1] ?? "");
    assert.ok(fence, `${file}:${i + 1}: a runnable marker must be followed directly by a code fence`);
    const end = lines.findIndex((line, n) => n > i + 1 && line.trim() === "```");
    assert.ok(end > 0, `${file}:${i + 2}: the fence is not closed`);
    blocks.push({
      where: `${file}:${i + 2}`,
      mode: marker[1] ?? "",
      lang: fence[1] ?? "",
      code: lines.slice(i + 2, end).join("\n"),
    });
    i = end;
  }
  return blocks;
}

const repoRoot = path.resolve(".");
function markdownFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return markdownFiles(full);
    return entry.name.endsWith(".md") ? [full] : [];
  });
}
const blocks = ["README.md", ...markdownFiles("docs")].flatMap((file) =>
  runnableBlocks(fs.readFileSync(file, "utf8"), path.relative(repoRoot, file)),
);

let server: TestServer;
const work = fs.mkdtempSync(path.join(os.tmpdir(), "outbound-docs-"));
// Examples import the project's packages (svix, standardwebhooks) as a user's script inside the project would,
// and `outbound/receiver` as an application that installed Outbound would (its compiled dist/, see `prepare`).
const modules = path.join(work, "node_modules");
fs.mkdirSync(modules);
for (const entry of fs.readdirSync(path.join(repoRoot, "node_modules"))) {
  fs.symlinkSync(path.join(repoRoot, "node_modules", entry), path.join(modules, entry));
}
fs.symlinkSync(repoRoot, path.join(modules, "outbound"));
const running = new Set<ChildProcess>();
before(async () => {
  assert.ok(
    fs.existsSync(path.join(repoRoot, "dist", "receiver", "index.js")),
    "outbound/receiver is not compiled: run `npm run build:receiver` (npm ci runs it through `prepare`)",
  );
  server = await startServer();
});
after(async () => {
  for (const child of running) child.kill("SIGKILL");
  await stopAllServers();
  fs.rmSync(work, { recursive: true, force: true });
});
afterEach(reportServerLogsOnFailure);

function start(block: Block, env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const file = path.join(work, `${block.where.replace(/[^\w]+/g, "-")}.mjs`);
  fs.writeFileSync(file, block.code);
  const child = spawn(process.execPath, [file], {
    cwd: work,
    env: { PATH: process.env.PATH, OUTBOUND_URL: server.url, OUTBOUND_API_TOKEN: server.token, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  child.once("exit", () => running.delete(child));
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  return { child, output: () => output };
}

async function runScript(block: Block): Promise<void> {
  const { child, output } = start(block, {});
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  assert.equal(code, 0, `${block.where} exited with ${code}:\n${output()}`);
}

/** How a receiver example is driven: the endpoint Outbound delivers to it with, and a request it must refuse. */
const receiverDrivers: Record<
  string,
  { secret: string; endpoint: Record<string, unknown>; forged: (body: string) => Record<string, string> }
> = {
  "standard-webhooks": {
    secret: `whsec_${randomBytes(24).toString("base64")}`,
    endpoint: {},
    forged: () => {
      const other = new Webhook(`whsec_${randomBytes(24).toString("base64")}`);
      const id = "msg_forged";
      const at = new Date();
      return {
        "webhook-id": id,
        "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
        "webhook-signature": other.sign(id, at, '{"forged":true}'),
      };
    },
  },
  "hex-hmac": {
    secret: "your_shared_secret",
    endpoint: { delivery: { signature: { scheme: "hmac-sha256-hex", header: "x-signature" } } },
    forged: (body) => ({ "x-signature": createHmac("sha256", "not the secret").update(body).digest("hex") }),
  },
};

async function runReceiver(block: Block, driverName: string): Promise<void> {
  const driver = receiverDrivers[driverName];
  assert.ok(driver, `${block.where}: unknown receiver driver "${driverName}"`);
  const port = await freePort();
  const { child, output } = start(block, { PORT: String(port), WEBHOOK_SECRET: driver.secret });
  try {
    const url = `http://127.0.0.1:${port}/webhooks`;
    await eventually(
      () => fetch(url, { method: "POST", body: "{}" }).then((r) => r.status),
      (status) => status > 0,
      `${block.where} to listen on ${port}; output: ${output()}`,
    );
    const forgedBody = '{"forged":true}';
    const forged = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...driver.forged(forgedBody) },
      body: forgedBody,
    });
    assert.ok(forged.status >= 400 && forged.status < 500, `${block.where} refuses a forged request`);

    const app = (await api<{ id: string }>(server, "POST", "/api/v1/app", { name: block.where })).body;
    const endpoint = await api<{ id: string }>(server, "POST", `/api/v1/app/${app.id}/endpoint`, {
      url,
      secret: driver.secret,
      ...driver.endpoint,
    });
    assert.equal(endpoint.status, 201, JSON.stringify(endpoint.body));
    const message = await server.svix.message.create(app.id, {
      eventType: "docs.example",
      payload: { n: 1 },
    });
    const attempts = await eventually(
      () => server.svix.messageAttempt.listByMsg(app.id, message.id),
      (list) => list.data.length > 0,
      `an attempt to ${block.where}`,
    );
    const [attempt] = attempts.data;
    assert.equal(attempt?.status, 0, `${block.where} accepted the delivery: ${JSON.stringify(attempt)}`);
  } finally {
    child.kill("SIGTERM");
  }
}

/** The application `{app}` stands for, per markdown file: a page's request examples build on each other. */
const appOfFile = new Map<string, string>();

/**
 * `METHOD /path` lines, each followed by its JSON body. `{app}` is the application the block creates
 * (`POST /api/v1/app`), else the one an earlier block of the same page used, else a new one.
 */
async function runHttp(block: Block): Promise<void> {
  const page = block.where.split(":")[0] ?? "";
  const requests = block.code
    .split(/^(?=(?:GET|POST|PUT|PATCH|DELETE) \/)/m)
    .map((part) => part.trim())
    .filter(Boolean);
  assert.ok(requests.length > 0, `${block.where}: no request`);
  let appId: string | null = appOfFile.get(page) ?? null;
  for (const request of requests) {
    const [line = "", ...body] = request.split("\n");
    const [method = "", rawPath = ""] = line.split(" ");
    if (rawPath.includes("{app}") && appId === null) {
      appId = (await api<{ id: string }>(server, "POST", "/api/v1/app", { name: block.where })).body.id;
    }
    const target: string = rawPath.replace("{app}", appId ?? "");
    const json = body.join("\n").trim();
    const answer: ApiResponse<{ id?: string }> = await api(
      server,
      method,
      target,
      json ? JSON.parse(json) : undefined,
    );
    assert.ok(
      answer.status >= 200 && answer.status < 300,
      `${block.where}: ${method} ${rawPath} answered ${answer.status}: ${JSON.stringify(answer.body)}`,
    );
    if (method === "POST" && target === "/api/v1/app") appId = answer.body.id ?? null;
  }
  if (appId !== null) appOfFile.set(page, appId);
}

test("the README and docs have runnable examples, each marker on a block this test knows how to run", () => {
  assert.ok(
    blocks.some((block) => block.where.startsWith("README.md")),
    "the README quick start is runnable",
  );
  assert.ok(blocks.length >= 5, `found ${blocks.length}`);
  for (const block of blocks) {
    const known =
      (block.mode === "" && block.lang === "js") ||
      (block.mode === "http" && block.lang === "json") ||
      (block.mode.startsWith("receiver ") && block.lang === "js");
    assert.ok(known, `${block.where}: "runnable ${block.mode}" on a ${block.lang || "plain"} block`);
  }
});

for (const block of blocks) {
  test(`${block.where} runs as written`, async () => {
    if (block.mode === "http") return runHttp(block);
    if (block.mode.startsWith("receiver ")) return runReceiver(block, block.mode.slice("receiver ".length));
    return runScript(block);
  });
}
