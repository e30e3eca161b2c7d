export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `predicate` every `everyMs` until it holds; throws after `timeoutMs` naming `what` and `progress()`. */
export async function waitUntil(
  predicate: () => boolean,
  what: string,
  timeoutMs: number,
  progress: () => string = () => "",
  everyMs = 2,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) {
      const detail = progress();
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail ? ` (${detail})` : ""}`);
    }
    await sleep(everyMs);
  }
}

/** Rejects with a clear message if `promise` does not settle within `timeoutMs`. */
export async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms: ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
