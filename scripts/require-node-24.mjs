// Runs before `npm start` and `npm test`, in plain JavaScript so that it still runs on an older Node: Outbound's
// TypeScript sources need Node 24's type stripping, and older versions fail with ERR_UNKNOWN_FILE_EXTENSION.
import { fileURLToPath } from "node:url";

const REQUIRED_MAJOR = 24;

/** The message to print for this Node version, or null if it can run Outbound. */
export function nodeVersionProblem(version) {
  const major = Number.parseInt(String(version).replace(/^v/, ""), 10);
  if (major >= REQUIRED_MAJOR) return null;
  return (
    `Outbound needs Node ${REQUIRED_MAJOR} or later; this is Node ${version}. ` +
    "Run `npm ci` (it installs the pinned Node 24 into node_modules/.bin), or install Node 24."
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const problem = nodeVersionProblem(process.versions.node);
  if (problem) {
    process.stderr.write(`${problem}\n`);
    process.exit(1);
  }
}
