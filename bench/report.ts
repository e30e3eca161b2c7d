/**
 * `node bench/report.ts`: reads bench/results/*.json (from the last `npm run bench`), writes the ratio chart to
 * bench/chart/ratios.svg (and ratios.png when `rsvg-convert` or ImageMagick `convert` can rasterise SVG), and
 * prints the Markdown summary table used in docs/benchmarks.md.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describeMachine } from "./lib/machine.ts";
import { renderPeersSvg } from "./lib/peers-chart.ts";
import { type Check, resultsDir, type ScenarioResult } from "./lib/results.ts";
import { renderMarkdown } from "./lib/table.ts";

const chartDir = fileURLToPath(new URL("./chart/", import.meta.url));
const ORDER = ["baseline", "delivery", "ingest", "latency", "hol", "fanout", "backlog", "import", "peers"];

function loadResults(): ScenarioResult[] {
  if (!existsSync(resultsDir)) return [];
  return readdirSync(resultsDir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => JSON.parse(readFileSync(path.join(resultsDir, f), "utf8")) as ScenarioResult)
    .sort((a, b) => ORDER.indexOf(a.scenario) - ORDER.indexOf(b.scenario));
}

const fmt = (n: number) =>
  Math.abs(n) >= 1000 ? Math.round(n).toLocaleString("en-US") : String(Math.round(n * 1000) / 1000);

function valueText(c: Check): string {
  const measured = `${fmt(c.measured)} ${c.unit}`;
  return c.ratio === undefined
    ? measured
    : `${measured} = ${c.ratio.toFixed(2)}× ${c.baselineLabel ?? "baseline"}`;
}

const escapeXml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function renderSvg(rows: Array<{ scenario: string; check: Check }>, subtitle: string): string {
  const width = 1000;
  const labelW = 300;
  const barW = 330;
  const rowH = 30;
  const top = 74;
  const maxScale = 2;
  const height = top + rows.length * rowH + 40;
  const x0 = labelW;
  const xAt = (v: number) => x0 + (Math.min(v, maxScale) / maxScale) * barW;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Arial, sans-serif" role="img" aria-labelledby="chart-title">`,
    `<title id="chart-title">Outbound benchmarks: target attainment per scenario</title>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="16" y="28" font-size="18" font-weight="bold">Outbound benchmarks: how far each target is reached (1.0 = target)</text>`,
    `<text x="16" y="50" font-size="12" fill="#555">${escapeXml(subtitle)}</text>`,
  );
  for (const tick of [0, 0.5, 1, 1.5, 2]) {
    const x = xAt(tick);
    parts.push(
      `<line x1="${x}" y1="${top - 8}" x2="${x}" y2="${top + rows.length * rowH}" stroke="${tick === 1 ? "#333" : "#ddd"}" stroke-width="${tick === 1 ? 2 : 1}"${tick === 1 ? ' stroke-dasharray="5,3"' : ""}/>`,
      `<text x="${x}" y="${top + rows.length * rowH + 16}" font-size="11" text-anchor="middle" fill="#555">${tick === 2 ? "≥2" : tick}</text>`,
    );
  }
  rows.forEach(({ scenario, check }, i) => {
    const y = top + i * rowH;
    const a = check.attainment ?? 0;
    const color = check.met ? "#2e7d32" : "#c62828";
    parts.push(
      `<text x="${labelW - 10}" y="${y + 19}" font-size="13" text-anchor="end">${escapeXml(`${scenario}: ${check.metric}`)}</text>`,
      `<rect x="${x0}" y="${y + 6}" width="${Math.max(1, xAt(a) - x0).toFixed(1)}" height="${rowH - 12}" fill="${color}" rx="2"/>`,
      `<text x="${x0 + barW + 12}" y="${y + 19}" font-size="12" fill="#222">${escapeXml(`${a.toFixed(2)} · ${valueText(check)} (target ${check.target})`)}</text>`,
    );
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}

function isPng(file: string): boolean {
  if (!existsSync(file)) return false;
  const head = readFileSync(file).subarray(0, 8);
  return head.equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
}

function rasterise(svg: string, png: string): string | null {
  const attempts: Array<[string, string[]]> = [
    ["rsvg-convert", ["-o", png, svg]],
    ["convert", ["-density", "110", svg, png]],
    ["magick", ["-density", "110", svg, png]],
  ];
  for (const [command, args] of attempts) {
    rmSync(png, { force: true });
    const run = spawnSync(command, args, { stdio: "ignore", timeout: 30_000 });
    if (run.status === 0 && isPng(png)) return command;
  }
  rmSync(png, { force: true });
  return null;
}

const results = loadResults();
if (results.length === 0) {
  process.stderr.write("No results in bench/results/: run `npm run bench` first.\n");
  process.exit(1);
}
const rows = results.flatMap((r) =>
  r.checks
    .filter((c) => c.attainment !== undefined || c.goal)
    .map((check) => ({ scenario: r.scenario, check })),
);
const first = results[0];
const quick = results.some((r) => r.quick);
const subtitle = `${first ? describeMachine(first.machine) : ""} · ${first?.startedAt.slice(0, 10) ?? ""}${quick ? " · --quick run (smoke sizes)" : ""} · green = met, red = not met`;
mkdirSync(chartDir, { recursive: true });
const svgFile = path.join(chartDir, "ratios.svg");
writeFileSync(svgFile, renderSvg(rows, subtitle));
const pngFile = path.join(chartDir, "ratios.png");
const tool = rasterise(svgFile, pngFile);
process.stderr.write(
  `wrote ${path.relative(process.cwd(), svgFile)}; ${tool ? `PNG via ${tool}: ${path.relative(process.cwd(), pngFile)}` : "no SVG rasteriser found (rsvg-convert / ImageMagick), PNG skipped"}\n`,
);

const peers = results.find((r) => r.scenario === "peers");
const peersSvg = peers
  ? renderPeersSvg(
      peers,
      `${describeMachine(peers.machine)} · ${peers.startedAt.slice(0, 10)}${peers.quick ? " · --quick run" : ""} · bar = median, whisker = lowest–highest round`,
    )
  : null;
if (peersSvg) {
  const peersFile = path.join(chartDir, "peers.svg");
  writeFileSync(peersFile, peersSvg);
  process.stderr.write(`wrote ${path.relative(process.cwd(), peersFile)}\n`);
}

const table = results.flatMap((r) =>
  r.checks.map((c) => [
    r.scenario,
    c.metric,
    `${fmt(c.measured)} ${c.unit}`,
    c.baseline === undefined ? "" : `${fmt(c.baseline)} (${c.baselineLabel ?? ""})`,
    c.ratio === undefined ? "" : `${c.ratio.toFixed(3)}×`,
    c.target,
    c.goal ? (c.met ? "**yes**" : "no") : "",
  ]),
);
process.stdout.write(
  `${renderMarkdown(["scenario", "target check", "measured", "baseline (same run)", "ratio", "target", "met"], table)}\n`,
);
