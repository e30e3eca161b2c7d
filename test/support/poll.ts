/** Small waiting helpers for end-to-end tests: polling an API until it shows what we expect. */

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls `probe` every `intervalMs` until `accept(value)` holds and returns that value.
 * On timeout throws with `what` and the last value (or error) seen, so a failure says what was observed.
 */
export async function eventually<T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  what: string,
  timeoutMs = 15_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: string = "nothing yet";
  for (;;) {
    try {
      const value = await probe();
      if (accept(value)) return value;
      last = JSON.stringify(value);
    } catch (error) {
      last = `error: ${(error as Error).message}`;
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${last.slice(0, 2_000)}`,
      );
    }
    await sleep(intervalMs);
  }
}
