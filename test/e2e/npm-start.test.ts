/**
 * Process managers signal the process they started. For `npm start` that is npm: the signal has to reach the node
 * process and stop it, freeing the port (npm and `sh` used to exit while node kept running and held the port).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { eventually } from "../support/poll.ts";
import { freePort } from "../support/server.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "outbound-npm-start-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function canListen(port: number): Promise<boolean> {
  const probe = createServer();
  return new Promise((resolve) => {
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}

test("kill -TERM <pid of npm start> stops Outbound and frees the port", async (t) => {
  const port = await freePort();
  const database = path.join(dir, "outbound.db");
  const npm = spawn("npm", ["start"], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(port),
      HOST: "127.0.0.1",
      DATABASE_URL: database,
      OUTBOUND_API_TOKEN: "npm-start-token",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  npm.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  npm.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const npmExited = new Promise<void>((resolve) => npm.once("exit", () => resolve()));
  // The node process records its pid beside the database lock once it holds it.
  let nodePid = 0;
  t.after(() => {
    if (nodePid > 0 && isAlive(nodePid)) process.kill(nodePid, "SIGKILL");
    if (npm.exitCode === null && npm.signalCode === null) npm.kill("SIGKILL");
  });

  await eventually(
    () => fetch(`http://127.0.0.1:${port}/api/v1/health`).then((r) => r.status),
    (status) => status === 204,
    `npm start to serve (output: ${output})`,
  );
  nodePid = Number.parseInt(fs.readFileSync(`${database}.lock.pid`, "utf8"), 10);
  assert.ok(nodePid > 0 && nodePid !== npm.pid, `node runs as its own process (${nodePid})`);

  assert.ok(npm.pid);
  process.kill(npm.pid, "SIGTERM");
  await npmExited;
  await eventually(
    async () => isAlive(nodePid),
    (alive) => !alive,
    `node (pid ${nodePid}) to exit after npm got SIGTERM; output: ${output}`,
  );
  assert.match(output, /Received SIGTERM, shutting down/);
  assert.equal(await canListen(port), true, "the port is free again");
});
