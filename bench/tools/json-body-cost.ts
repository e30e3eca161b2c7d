/**
 * Micro-benchmark for src/api/json-body.ts `parseJsonBody` on the `POST /msg` body the bench sends (~350 bytes):
 * the former path (JSON.parse, then the depth walk over every node) against today's (the walk only when the text
 * holds more than MAX_JSON_DEPTH opening brackets).
 *
 *   node bench/tools/json-body-cost.ts [--bodies 300000] [--rounds 3]
 */
import { jsonDepthExceeds, MAX_JSON_DEPTH, parseJsonBody } from "../../src/api/json-body.ts";
import { messageBody } from "../lib/api.ts";
import { payloadFor } from "../lib/load.ts";

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const BODIES = option("--bodies", 300_000);
const ROUNDS = option("--rounds", 3);
const texts = Array.from({ length: 1024 }, (_, i) => messageBody(payloadFor(i)));

const variants: Record<string, (text: string) => unknown> = {
  "parse + depth walk (former)": (text) => {
    const value = JSON.parse(text) as unknown;
    if (jsonDepthExceeds(value, MAX_JSON_DEPTH)) throw new Error("too deep");
    return value;
  },
  "parseJsonBody (bracket bound)": parseJsonBody,
};

let sink = 0;
function run(parse: (text: string) => unknown): number {
  const started = performance.now();
  for (let i = 0; i < BODIES; i++) if (parse(texts[i & 1023] ?? "") !== null) sink++;
  return (BODIES / (performance.now() - started)) * 1000;
}

const results = new Map<string, number[]>(Object.keys(variants).map((name) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  const names = Object.keys(variants);
  if (round % 2 === 1) names.reverse();
  for (const name of names) {
    const parse = variants[name];
    if (parse) results.get(name)?.push(run(parse));
  }
}
const [former, current] = [...results.values()];
for (const [name, rates] of results) {
  process.stdout.write(`${name.padEnd(32)} ${rates.map((r) => `${Math.round(r)}/s`).join("  ")}\n`);
}
const ratios = (current ?? []).map((r, i) => r / (former?.[i] ?? Number.NaN));
process.stdout.write(
  `bracket bound ÷ former, per round: ${ratios.map((r) => r.toFixed(2)).join(", ")} (${sink > 0 ? "ok" : "?"})\n`,
);
