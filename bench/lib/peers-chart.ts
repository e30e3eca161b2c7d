/**
 * The peers chart (bench/chart/peers.svg): each sender's delivered/s as a multiple of bare undici in the same
 * round — the bar is the median over rounds, the whisker the lowest and highest round — with the issue's two
 * Outbound targets drawn as lines (0.5 × bare undici, 2 × BullMQ's median).
 */
import type { ScenarioResult } from "./results.ts";
import { median } from "./stats.ts";

const escapeXml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const SUFFIX = ": × bare undici";

export function renderPeersSvg(result: ScenarioResult, subtitle: string): string | null {
  const series = result.series ?? {};
  const rows = Object.entries(series)
    .filter(([key, values]) => key.endsWith(SUFFIX) && values.length > 0)
    .map(([key, values]) => ({ name: key.slice(0, -SUFFIX.length), values }));
  if (rows.length === 0) return null;
  rows.unshift({ name: "bare undici (the ceiling)", values: [1] });
  const bull = rows.find((r) => r.name.startsWith("BullMQ"));
  const width = 900;
  const labelW = 250;
  const barW = 420;
  const rowH = 34;
  const top = 78;
  const height = top + rows.length * rowH + 64;
  const maxScale = Math.max(1.1, ...rows.flatMap((r) => r.values)) * 1.05;
  const xAt = (v: number) => labelW + (Math.min(v, maxScale) / maxScale) * barW;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Arial, sans-serif" role="img" aria-labelledby="peers-title">`,
    `<title id="peers-title">End-to-end webhook delivery beside job-queue peers, as a multiple of bare undici</title>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="16" y="28" font-size="18" font-weight="bold">Delivered/s as × bare undici POSTs (same run, same receiver)</text>`,
    `<text x="16" y="50" font-size="12" fill="#555">${escapeXml(subtitle)}</text>`,
  ];
  const line = (value: number, label: string, color: string, dy: number) => {
    const x = xAt(value);
    parts.push(
      `<line x1="${x}" y1="${top - 10}" x2="${x}" y2="${top + rows.length * rowH}" stroke="${color}" stroke-width="2" stroke-dasharray="5,3"/>`,
      `<text x="${x + 4}" y="${top + rows.length * rowH + 16 + dy}" font-size="11" fill="${color}">${escapeXml(label)}</text>`,
    );
  };
  line(0.5, "target: 0.5 × bare undici", "#6a1b9a", 0);
  if (bull) line(2 * median(bull.values), "target: 2 × BullMQ", "#ef6c00", 16);
  rows.forEach(({ name, values }, i) => {
    const y = top + i * rowH;
    const mid = median(values);
    const color = name.startsWith("Outbound") ? "#1565c0" : name.startsWith("bare") ? "#9e9e9e" : "#78909c";
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    const cy = y + rowH / 2;
    parts.push(
      `<text x="${labelW - 10}" y="${cy + 4}" font-size="13" text-anchor="end">${escapeXml(name)}</text>`,
      `<rect x="${labelW}" y="${y + 7}" width="${Math.max(1, xAt(mid) - labelW).toFixed(1)}" height="${rowH - 14}" fill="${color}" rx="2"/>`,
    );
    if (values.length > 1) {
      parts.push(
        `<line x1="${xAt(lo).toFixed(1)}" y1="${cy}" x2="${xAt(hi).toFixed(1)}" y2="${cy}" stroke="#222" stroke-width="1.5"/>`,
        `<line x1="${xAt(lo).toFixed(1)}" y1="${cy - 6}" x2="${xAt(lo).toFixed(1)}" y2="${cy + 6}" stroke="#222"/>`,
        `<line x1="${xAt(hi).toFixed(1)}" y1="${cy - 6}" x2="${xAt(hi).toFixed(1)}" y2="${cy + 6}" stroke="#222"/>`,
      );
    }
    const spread = values.length > 1 ? ` (${lo.toFixed(2)}–${hi.toFixed(2)}, ${values.length} rounds)` : "";
    parts.push(
      `<text x="${labelW + barW + 12}" y="${cy + 4}" font-size="12" fill="#222">${escapeXml(`${mid.toFixed(2)}×${spread}`)}</text>`,
    );
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}
