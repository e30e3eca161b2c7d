import { setFlagsFromString } from "node:v8";
import type { Worker as Thread } from "node:worker_threads";

/**
 * The delivery thread's young generation (`resourceLimits.maxYoungGenerationSizeMb`): 16 MB semi-spaces, where
 * `npm start`'s `--max-semi-space-size=4` gives every other isolate 4. The delivery thread allocates ~20 KB per
 * delivery that dies within milliseconds (undici's request and response objects, attempt rows, SQLite rows); with
 * 4 MB semi-spaces it scavenged every ~170 deliveries, and a scavenge costs what survives it (the attempts in
 * flight), not what died, so fewer scavenges is less GC time. The API thread keeps 4 MB: its CSV import is
 * what made the process's peak RSS the limit (docs/operations.md).
 */
export const DELIVERY_YOUNG_GENERATION_MB = 48;

let starting = 0;

/**
 * Creates a thread whose `resourceLimits.maxYoungGenerationSizeMb` takes effect although the process runs with
 * `--max-semi-space-size` (`flagMb`, from Config: undefined when it does not): V8 lets that flag override every isolate's own limit, so it is set to 0 ("no flag") while
 * the thread's isolate is created and put back once the thread is online (or failed). Threads created meanwhile
 * elsewhere (a transformation sandbox) would get V8's default young generation: more memory, same behaviour.
 */
export function withOwnYoungGeneration(create: () => Thread, flagMb: number | undefined): Thread {
  if (flagMb === undefined) return create();
  if (starting++ === 0) setFlagsFromString("--max-semi-space-size=0");
  let thread: Thread;
  try {
    thread = create();
  } catch (error) {
    restore(flagMb);
    throw error;
  }
  let done = false;
  const settle = () => {
    if (done) return;
    done = true;
    restore(flagMb);
  };
  thread.once("online", settle);
  thread.once("error", settle);
  thread.once("exit", settle);
  return thread;
}

function restore(flagMb: number): void {
  if (--starting === 0) setFlagsFromString(`--max-semi-space-size=${flagMb}`);
}
