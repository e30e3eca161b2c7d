/** A listener of a stop signal: a function or an object with `handleEvent`, as EventTarget accepts. */
export type StopListener = (() => void) | { handleEvent(): void };

/**
 * What sending needs of the signal that cuts an attempt short (shutdown): an AbortSignal is one, and so is
 * AttemptStop. Every listener is added `once`.
 */
export interface StopSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: "abort", listener: StopListener, options?: { once?: boolean }): void;
  removeEventListener(type: "abort", listener: StopListener): void;
}

/**
 * The stop signal of one attempt. The worker made an AbortController per attempt, and the sender registered an
 * EventTarget listener on its signal: option validation, a Listener object and a weak reference per attempt, about
 * 1 % of a delivery thread's CPU and 2–3 % of what it allocated, for a signal that fires only at shutdown. This one
 * keeps its listeners in an array (created on the first) and calls each once, in the order they were added.
 */
export class AttemptStop implements StopSignal {
  aborted = false;
  reason: unknown = undefined;
  private listeners: StopListener[] | undefined;

  addEventListener(_type: "abort", listener: StopListener): void {
    // As on an AbortSignal: a listener added after the abort is never called.
    if (this.aborted) return;
    if (this.listeners === undefined) this.listeners = [listener];
    else this.listeners.push(listener);
  }

  removeEventListener(_type: "abort", listener: StopListener): void {
    const index = this.listeners?.indexOf(listener) ?? -1;
    if (index >= 0) this.listeners?.splice(index, 1);
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = new DOMException("This operation was aborted", "AbortError");
    const listeners = this.listeners ?? [];
    this.listeners = undefined;
    for (const listener of listeners) {
      if (typeof listener === "function") listener();
      else listener.handleEvent();
    }
  }
}
