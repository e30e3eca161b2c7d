import type { Scenario } from "../lib/context.ts";
import { backlog } from "./backlog.ts";
import { baseline } from "./baseline.ts";
import { delivery } from "./delivery.ts";
import { fanout } from "./fanout.ts";
import { hol } from "./hol.ts";
import { importScenario } from "./import.ts";
import { ingest } from "./ingest.ts";
import { latency } from "./latency.ts";
import { peers } from "./peers.ts";
import { scale } from "./scale.ts";

/** In the order `npm run bench` runs them. */
export const SCENARIOS: Scenario[] = [
  baseline,
  delivery,
  ingest,
  latency,
  hol,
  fanout,
  backlog,
  importScenario,
  peers,
  scale,
];

/** Scenarios from the issue whose features are not built yet: listed in the output, never run. */
export const NOT_AVAILABLE: Array<{ name: string; reason: string }> = [];
