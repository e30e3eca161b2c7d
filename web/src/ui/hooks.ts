import { useCallback, useEffect, useRef, useState } from "react";

/** Loads data when `deps` change; `reload` fetches again. Errors are kept for display, never thrown into React. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  // biome-ignore lint/correctness/useExhaustiveDependencies: callers list what the loader depends on
  useEffect(() => {
    let live = true;
    loadRef
      .current()
      .then((value) => {
        if (!live) return;
        setData(value);
        setError(null);
      })
      .catch((reason: unknown) => {
        if (live) setError(reason instanceof Error ? reason.message : String(reason));
      });
    return () => {
      live = false;
    };
  }, [...deps, version]);
  const reload = useCallback(() => setVersion((value) => value + 1), []);
  return { data, error, reload, setData };
}

/** Runs `tick` every `ms` until it returns true (done); the caller's state drives what is shown. */
export function usePoll(tick: (() => Promise<boolean>) | null, ms: number): void {
  const tickRef = useRef(tick);
  tickRef.current = tick;
  const active = tick !== null;
  useEffect(() => {
    if (!active) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      const done = await (tickRef.current?.() ?? Promise.resolve(true)).catch(() => false);
      if (!stopped && !done) timer = setTimeout(run, ms);
    };
    void run();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [active, ms]);
}

/** Calls `effect` `ms` after the last change of `key` (the builder's preview while typing). */
export function useDebounced(effect: () => void, key: string, ms: number): void {
  const effectRef = useRef(effect);
  effectRef.current = effect;
  useEffect(() => {
    if (key === undefined) return;
    const timer = setTimeout(() => effectRef.current(), ms);
    return () => clearTimeout(timer);
  }, [key, ms]);
}
