/**
 * `outbound/receiver` as a consumer gets it: compiled by the same tsc config `prepare` uses, laid out as
 * node_modules/outbound (where Node strips no types), then imported by package name from plain JavaScript and
 * type-checked from TypeScript.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { standardHeaders } from "../../src/webhook/signer.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const bin = (name: string) => path.join(root, "node_modules", ".bin", name);
const manifest = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
const consumer = mkdtempSync(path.join(tmpdir(), "outbound-receiver-consumer-"));
after(() => rmSync(consumer, { recursive: true, force: true }));

test("package.json exports ./receiver from what `prepare` compiles", () => {
  const buildConfig = JSON.parse(readFileSync(path.join(root, "tsconfig.receiver.json"), "utf8"));
  const outDir = `./${buildConfig.compilerOptions.outDir}`;
  assert.deepEqual(manifest.exports["./receiver"], {
    types: `${outDir}/index.d.ts`,
    default: `${outDir}/index.js`,
  });
  assert.match(manifest.scripts.prepare, /npm run build:receiver/);
  assert.equal(manifest.scripts["build:receiver"], "tsc -p tsconfig.receiver.json");
  assert.ok(manifest.devDependencies.typescript, "tsc is installed before prepare runs");
});

test("installed under node_modules, it loads from JavaScript and type-checks from TypeScript", () => {
  const installed = path.join(consumer, "node_modules", "outbound");
  mkdirSync(installed, { recursive: true });
  writeFileSync(path.join(installed, "package.json"), JSON.stringify(manifest));
  execFileSync(
    bin("tsc"),
    ["-p", "tsconfig.receiver.json", "--outDir", path.join(installed, "dist", "receiver")],
    {
      cwd: root,
    },
  );

  const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  const body = JSON.stringify({ ok: true });
  const headers = standardHeaders([secret], "msg_pkg", Math.floor(Date.now() / 1000), body);
  const script = `
    import { verifyWebhook, WebhookVerificationError } from "outbound/receiver";
    const [body, headers, secret] = JSON.parse(process.argv[1]);
    const payload = verifyWebhook(body, headers, secret);
    let reason;
    try { verifyWebhook(body + " ", headers, secret); } catch (e) { reason = e instanceof WebhookVerificationError && e.reason; }
    console.log(JSON.stringify({ payload, reason }));`;
  const output = execFileSync(
    bin("node"),
    ["--input-type=module", "-e", script, JSON.stringify([body, headers, secret])],
    {
      cwd: consumer,
      encoding: "utf8",
    },
  );
  assert.deepEqual(JSON.parse(output), { payload: { ok: true }, reason: "invalid-signature" });

  writeFileSync(
    path.join(consumer, "check.ts"),
    `import { verifyWebhook, type VerifiedDelivery, expressWebhook } from "outbound/receiver";
     const payload: { ok: boolean } = verifyWebhook<{ ok: boolean }>("{}", {}, "whsec_x");
     const middleware = expressWebhook({ secret: "whsec_x", toleranceSeconds: 60 });
     export { payload, middleware };
     export type D = VerifiedDelivery;
     // @ts-expect-error: the options are typed
     expressWebhook({ secret: 1 });\n`,
  );
  writeFileSync(
    path.join(consumer, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        noEmit: true,
        types: [],
        typeRoots: [path.join(root, "node_modules", "@types")],
      },
      files: ["check.ts"],
    }),
  );
  // `types: []` plus @types/node from the repository: the declarations need only Node's own types.
  writeFileSync(path.join(consumer, "package.json"), JSON.stringify({ type: "module" }));
  execFileSync(bin("tsc"), ["-p", "tsconfig.json", "--types", "node"], { cwd: consumer, encoding: "utf8" });
});
