import { useEffect, useMemo, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { Attempt } from "../api/types.ts";

/** Attempts bucketed by time: success rate and mean latency per bucket (pure, for the chart and its table). */
export function bucketAttempts(attempts: Attempt[], buckets = 12) {
  if (attempts.length === 0) return [];
  const times = attempts.map((attempt) => Date.parse(attempt.timestamp));
  const start = Math.min(...times);
  const width = Math.max(1, (Math.max(...times) - start + 1) / buckets);
  const rows = Array.from({ length: buckets }, (_, index) => ({
    at: start + index * width,
    total: 0,
    ok: 0,
    latency: 0,
  }));
  attempts.forEach((attempt, index) => {
    const row = rows[Math.min(buckets - 1, Math.floor(((times[index] ?? start) - start) / width))];
    if (!row) return;
    row.total += 1;
    row.ok += attempt.status === 0 ? 1 : 0;
    row.latency += attempt.responseDurationMs;
  });
  return rows
    .filter((row) => row.total > 0)
    .map((row) => ({ at: row.at, rate: (100 * row.ok) / row.total, latency: row.latency / row.total }));
}

/** Success rate and latency over time (uPlot on a canvas; the same numbers are in a table for screen readers). */
export function DeliveryChart({ attempts }: { attempts: Attempt[] }) {
  const box = useRef<HTMLDivElement>(null);
  const points = useMemo(() => bucketAttempts(attempts), [attempts]);
  useEffect(() => {
    const element = box.current;
    if (!element || points.length === 0) return;
    const primary =
      getComputedStyle(document.documentElement).getPropertyValue("--primary").trim() || "#3b5bdb";
    const plot = new uPlot(
      {
        width: Math.max(280, element.clientWidth),
        height: 200,
        scales: { x: { time: true }, rate: { range: [0, 100] }, ms: {} },
        axes: [
          {},
          { scale: "rate", label: "success %" },
          { scale: "ms", side: 1, label: "ms", grid: { show: false } },
        ],
        series: [
          {},
          { label: "Success %", scale: "rate", stroke: primary, width: 2 },
          { label: "Latency (ms)", scale: "ms", stroke: "#c77700", width: 2, dash: [6, 4] },
        ],
      },
      [
        points.map((point) => point.at / 1000),
        points.map((point) => point.rate),
        points.map((point) => point.latency),
      ],
      element,
    );
    return () => plot.destroy();
  }, [points]);
  if (points.length === 0) return <p className="hint">No attempts yet.</p>;
  return (
    <figure>
      <div ref={box} className="chart" aria-hidden="true" />
      <figcaption className="visually-hidden">
        <table>
          <caption>Success rate and latency of the latest {attempts.length} attempts</caption>
          <tbody>
            {points.map((point) => (
              <tr key={point.at}>
                <th scope="row">{new Date(point.at).toLocaleString()}</th>
                <td>{Math.round(point.rate)} %</td>
                <td>{Math.round(point.latency)} ms</td>
              </tr>
            ))}
          </tbody>
        </table>
      </figcaption>
    </figure>
  );
}
