/** Start-up contract: a generated token shown once, bad configuration refused with a message naming the variable. */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { Svix } from "svix";
import { freePort } from "../support/server.ts";

const NODE = path.resolve("node_modules/.bin/node");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "outbound-first-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOST: "127.0.0.1", LOG_LEVEL: "warn", ...extra };
}

/** Starts the server, waits for health, returns its stdout so far and a stop function. */
async function boot(
  env: Record<string, string>,
): Promise<{ stdout: () => string; stop: () => Promise<void> }> {
  const child = spawn(NODE, ["src/cli/main.ts", "serve"], { env: baseEnv(env) });
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${env.PORT}/api/v1/health`)).status === 204) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`server did not start: ${out}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    stdout: () => out,
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

test("without OUTBOUND_API_TOKEN a token is generated, printed once, and works with the svix SDK", async () => {
  const port = String(await freePort());
  const env = { PORT: port, DATABASE_URL: path.join(dir, "first.db") };
  const first = await boot(env);
  const token = /^\s+(obk_\S+)$/m.exec(first.stdout())?.[1];
  assert.ok(token, `a token is printed: ${first.stdout()}`);
  const svix = new Svix(token, { serverUrl: `http://127.0.0.1:${port}` });
  assert.equal((await svix.application.create({ name: "first" })).name, "first");
  await assert.rejects(new Svix("wrong-token", { serverUrl: `http://127.0.0.1:${port}` }).application.list());
  await first.stop();

  const second = await boot(env);
  assert.doesNotMatch(second.stdout(), /obk_/, "shown once only");
  assert.equal((await svix.application.list()).data.length, 1, "the token still works after a restart");
  await second.stop();
  assert.equal(fs.readFileSync(path.join(dir, "first.db")).includes(token), false, "stored hashed");
});

test("bad configuration stops the start with exit code 2 and names the variable", () => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ PORT: "eighty" }, /PORT/],
    [{ OUTBOUND_RETRY_SCHEDULE: "5s,soon" }, /OUTBOUND_RETRY_SCHEDULE: invalid duration "soon"/],
    [{ OUTBOUND_ALLOWED_SUBNETS: "10.0.0.0/33" }, /10\.0\.0\.0\/33/],
    [{ OUTBOUND_REQUIRE_HTTPS: "maybe" }, /OUTBOUND_REQUIRE_HTTPS/],
    [
      { DATABASE_URL: "postgres://127.0.0.1/outbound" },
      /OUTBOUND_ENCRYPTION_KEY: required with a PostgreSQL/,
    ],
    [{ OUTBOUND_LEASE: "10s", OUTBOUND_REQUEST_TIMEOUT: "15s" }, /OUTBOUND_LEASE: must be longer than/],
    [{ OUTBOUND_API_TOKEN: "short" }, /OUTBOUND_API_TOKEN/],
  ];
  for (const [env, message] of cases) {
    const result = spawnSync(NODE, ["src/cli/main.ts", "serve"], {
      env: baseEnv({ PORT: "0", DATABASE_URL: path.join(dir, "bad.db"), ...env }),
      encoding: "utf8",
      timeout: 15_000,
    });
    assert.equal(result.status, 2, `${JSON.stringify(env)}: ${result.stderr}`);
    assert.match(result.stderr, message);
  }
});
