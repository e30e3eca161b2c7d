/** `outbound --help` / `--version` on every command, with no side effects; the bin runs through npx. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { runOutbound } from "../support/server.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "outbound-cli-help-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const pkg = JSON.parse(fs.readFileSync("package.json", "utf8")) as {
  version: string;
  bin: { outbound: string };
};

/** An environment that would make a real start leave traces: a data directory that does not exist yet. */
const env = {
  DATABASE_URL: path.join(dir, "data", "outbound.db"),
  PORT: "0",
  HOST: "127.0.0.1",
  OUTBOUND_URL: "http://127.0.0.1:9",
};

/** The command names `outbound --help` lists, so commands added later are covered without editing this test. */
async function listedCommands(): Promise<string[]> {
  const help = await runOutbound(env, ["--help"]);
  assert.equal(help.code, 0, help.stderr);
  const section = help.stdout.split("Commands:\n")[1]?.split("\n\n")[0] ?? "";
  return section
    .split("\n")
    .map((line) => /^ {2}(\S+)/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

test("every command answers --help and --version without starting anything", async () => {
  const commands = await listedCommands();
  assert.ok(commands.includes("serve") && commands.includes("import"), commands.join(","));
  for (const command of commands) {
    for (const flag of ["--help", "-h"]) {
      const help = await runOutbound(env, [command, flag]);
      assert.equal(help.code, 0, `${command} ${flag}: ${help.stderr}`);
      assert.match(help.stdout, new RegExp(`^Usage: outbound ${command}`), `${command} ${flag}`);
      assert.equal(help.stderr, "", `${command} ${flag} wrote to stderr`);
      assert.doesNotMatch(help.stdout, /obk_/, "no token was generated");
    }
    const version = await runOutbound(env, [command, "--version"]);
    assert.equal(version.code, 0, version.stderr);
    assert.equal(version.stdout, `outbound ${pkg.version}\n`);
  }
  assert.equal(fs.existsSync(path.join(dir, "data")), false, "no data directory was created");
  assert.equal(
    (await runOutbound(env, ["help", "import"])).stdout.startsWith("Usage: outbound import"),
    true,
  );
  assert.equal((await runOutbound(env, ["--version"])).stdout, `outbound ${pkg.version}\n`);
});

test("an unknown command or option exits 2 with one message, not a stack trace", async () => {
  const unknown = await runOutbound(env, ["serv"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /^Unknown command "serv"\./);
  const option = await runOutbound(env, ["import", "file.csv", "--colums", "{}"]);
  assert.equal(option.code, 2);
  assert.match(option.stderr, /Unknown option '--colums'/);
  assert.doesNotMatch(option.stderr, /\n\s+at /, "no stack trace");
});

test("serve refuses arguments it does not take instead of starting a server that ignores them", async () => {
  for (const args of [["--port", "9"], ["-v"], ["help"]]) {
    const run = await runOutbound(env, ["serve", ...args]);
    assert.equal(run.code, 2, `serve ${args.join(" ")}: ${run.stdout}${run.stderr}`);
    assert.match(run.stderr, /^(Unknown option|Unexpected argument)/, `serve ${args.join(" ")}`);
    assert.doesNotMatch(run.stdout + run.stderr, /obk_/, "no token was generated");
  }
  assert.equal(fs.existsSync(path.join(dir, "data")), false, "no data directory was created");
});

test("the bin is committed executable and `npx outbound` runs it inside the project", () => {
  assert.equal(fs.statSync(pkg.bin.outbound).mode & 0o111, 0o111, `${pkg.bin.outbound} is executable`);
  const npx = spawnSync("npx", ["outbound", "--help"], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    encoding: "utf8",
    timeout: 60_000,
  });
  assert.equal(npx.status, 0, npx.stderr);
  assert.match(npx.stdout, /^Usage: outbound <command>/);
  assert.doesNotMatch(npx.stderr, /EBADENGINE/, "no engine warnings");
});
