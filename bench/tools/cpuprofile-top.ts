/**
 * Summarises a V8 .cpuprofile (from the server run with BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR"):
 * top functions by self time and by inclusive time, and self time grouped by package/source directory.
 *
 *   node bench/tools/cpuprofile-top.ts DIR/CPU.*.cpuprofile [--top 25] [--from S] [--to S] [--timeline]
 *
 * --from/--to keep only samples taken S seconds after the profile started; --timeline prints the busiest
 * areas per second (to find where a phase such as "fill" or "drain" begins).
 */
import { readFileSync } from "node:fs";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith("--"));
const topIndex = args.indexOf("--top");
const top = topIndex >= 0 ? Number(args[topIndex + 1]) : 25;
const option = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const fromS = option("--from", 0);
const toS = option("--to", Number.POSITIVE_INFINITY);
const timeline = args.includes("--timeline");
if (!file) {
  process.stderr.write("usage: node bench/tools/cpuprofile-top.ts FILE.cpuprofile [--top N]\n");
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const selfUs = new Map<number, number>();
const perSecond = new Map<number, Map<number, number>>();
let at = 0;
for (const [i, id] of profile.samples.entries()) {
  at += profile.timeDeltas[i] ?? 0;
  const seconds = at / 1e6;
  if (seconds < fromS || seconds > toS) continue;
  const dt = profile.timeDeltas[i + 1] ?? 0;
  selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
  const bucket = Math.floor(seconds);
  const m = perSecond.get(bucket) ?? new Map<number, number>();
  perSecond.set(bucket, m);
  m.set(id, (m.get(id) ?? 0) + dt);
}
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

const label = (f: CallFrame) => {
  const where = f.url.replace(/^file:\/\/.*?\/(node_modules|src)\//, "$1/").replace(/^node:/, "node:");
  return `${f.functionName || "(anonymous)"} ${where ? `${where}:${f.lineNumber + 1}` : ""}`.trim();
};
const area = (f: CallFrame) => {
  if (!f.url) return f.functionName.startsWith("(") ? f.functionName : "(native)";
  const m = /node_modules\/(@[^/]+\/[^/]+|[^/]+)/.exec(f.url);
  if (m) return `npm:${m[1]}`;
  if (f.url.startsWith("node:")) return f.url.split("/").slice(0, 2).join("/");
  const s = /\/src\/([^/]+)/.exec(f.url);
  return s ? `src/${s[1]}` : f.url;
};

const selfByLabel = new Map<string, number>();
const selfByArea = new Map<string, number>();
const inclusive = new Map<string, number>();
for (const [id, us] of selfUs) {
  const node = byId.get(id);
  if (!node) continue;
  const l = label(node.callFrame);
  selfByLabel.set(l, (selfByLabel.get(l) ?? 0) + us);
  const a = area(node.callFrame);
  selfByArea.set(a, (selfByArea.get(a) ?? 0) + us);
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const n = byId.get(cur);
    if (!n) break;
    const cl = label(n.callFrame);
    if (seen.has(cl)) continue;
    seen.add(cl);
    inclusive.set(cl, (inclusive.get(cl) ?? 0) + us);
  }
}

const print = (title: string, map: Map<string, number>) => {
  process.stdout.write(`\n${title}\n`);
  for (const [k, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(
      `${((us / total) * 100).toFixed(1).padStart(6)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}\n`,
    );
  }
};
if (timeline) {
  process.stdout.write("\nbusiest areas per second\n");
  for (const [second, m] of [...perSecond].sort((a, b) => a[0] - b[0])) {
    const areas = new Map<string, number>();
    for (const [id, us] of m) {
      const node = byId.get(id);
      if (node) areas.set(area(node.callFrame), (areas.get(area(node.callFrame)) ?? 0) + us);
    }
    const busiest = [...areas]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 4)
      .map(([k, us]) => `${k} ${(us / 1000).toFixed(0)}ms`)
      .join(", ");
    process.stdout.write(`${String(second).padStart(4)}s  ${busiest}\n`);
  }
}
process.stdout.write(
  `profile: ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s wall, ${(total / 1e6).toFixed(1)} s sampled\n`,
);
print("self time by area", selfByArea);
print("self time by function", selfByLabel);
print("inclusive time by function", inclusive);
