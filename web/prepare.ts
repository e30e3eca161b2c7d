/**
 * `npm install` / `npm ci` run this (the `prepare` script): build the dashboard and portal into dist/web.
 * An install without dev dependencies (`--omit=dev`) has no Vite; it skips the build and says how to make it,
 * and the server then answers `/` with a page that says the same.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const root = new URL("../", import.meta.url);
if (!existsSync(new URL("node_modules/vite/package.json", root))) {
  console.log(
    "outbound: Vite is not installed (production install); skipping the web UI build (npm run build:web).",
  );
  process.exit(0);
}
const result = spawnSync("npm", ["run", "build:web"], { cwd: root, stdio: "inherit" });
process.exit(result.status ?? 1);
