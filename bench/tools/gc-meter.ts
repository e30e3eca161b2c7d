/**
 * Preloaded into a server (`node --import bench/tools/gc-meter.ts …`; thread-cpu.ts does it with --gc): in every
 * thread, counts the bytes its isolate allocated and its garbage collections, and writes the running totals to
 * `$GC_METER_DIR/<pid>-<thread name>.json` twice a second. Allocated bytes are the heap growth between collections
 * (used size before a GC minus used size after the previous one), so what is allocated after the last GC shows up
 * at the next one: over a round of many megabytes that is within one young generation.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { GCProfiler } from "node:v8";
import { isMainThread, threadName } from "node:worker_threads";

const dir = process.env.GC_METER_DIR;
if (dir) {
  const name = isMainThread ? "main" : String(threadName ?? "worker").replace(/[^\w-]/g, "_");
  const file = path.join(dir, `${process.pid}-${name}.json`);
  const totals = { allocatedBytes: 0, scavenges: 0, majors: 0, gcMs: 0 };
  let lastAfter: number | undefined;
  let profiler = new GCProfiler();
  profiler.start();
  const timer = setInterval(() => {
    const result = profiler.stop();
    profiler = new GCProfiler();
    profiler.start();
    for (const gc of result?.statistics ?? []) {
      const before = gc.beforeGC.heapStatistics.usedHeapSize;
      const after = gc.afterGC.heapStatistics.usedHeapSize;
      if (lastAfter !== undefined) totals.allocatedBytes += Math.max(0, before - lastAfter);
      lastAfter = after;
      if (gc.gcType === "Scavenge" || gc.gcType === "MinorMarkSweep") totals.scavenges++;
      else totals.majors++;
      totals.gcMs += gc.cost / 1000;
    }
    writeFileSync(file, JSON.stringify(totals));
  }, 500);
  timer.unref();
}

/**
 * `GC_METER_SAMPLE=<start s>,<seconds>` also records a sampling heap profile of the delivery thread over that window,
 * garbage included (what young-generation collections cost), to `$GC_METER_DIR/<pid>-<thread>.heapprofile`.
 */
const sample = process.env.GC_METER_SAMPLE?.split(",").map(Number);
if (dir && sample && !isMainThread && String(threadName).startsWith("outbound-delivery")) {
  const [startS = 10, seconds = 10] = sample;
  const { Session } = await import("node:inspector/promises");
  const session = new Session();
  session.connect();
  setTimeout(async () => {
    await session.post("HeapProfiler.startSampling", {
      samplingInterval: 1024,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    setTimeout(async () => {
      const { profile } = await session.post("HeapProfiler.stopSampling");
      const name = String(threadName).replace(/[^\w-]/g, "_");
      writeFileSync(path.join(dir, `${process.pid}-${name}.heapprofile`), JSON.stringify(profile));
    }, seconds * 1000).unref();
  }, startS * 1000).unref();
}
