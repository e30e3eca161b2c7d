import { newQuickJSWASMModule, type QuickJSWASMModule } from "quickjs-emscripten";

/**
 * Svix transformations: an endpoint's JavaScript `handler(webhook)` may change the method, URL, headers and
 * payload of a delivery, or cancel it. The code runs in QuickJS compiled to WebAssembly: its own heap (with a
 * memory limit), no access to Node, the network or the file system, and an interrupt after a time limit.
 */
export interface TransformationInput {
  method: string;
  url: string;
  eventType: string;
  payload: unknown;
  headers: Record<string, string>;
}

export interface TransformedWebhook {
  method: "POST" | "PUT" | "PATCH";
  url: string;
  payload: unknown;
  headers: Record<string, string>;
  cancel: boolean;
}

export type TransformationResult = { ok: true; webhook: TransformedWebhook } | { ok: false; error: string };

export interface TransformationLimits {
  timeoutMs: number;
  memoryBytes: number;
}

export const DEFAULT_TRANSFORMATION_LIMITS: TransformationLimits = {
  timeoutMs: 500,
  memoryBytes: 16 * 1024 * 1024,
};

const METHODS = new Set(["POST", "PUT", "PATCH"]);
let engine: Promise<QuickJSWASMModule> | undefined;

/** Loads the WebAssembly engine once; later calls reuse it (a new one replaces it if it ever aborts). */
export function loadTransformationEngine(): Promise<QuickJSWASMModule> {
  engine ??= newQuickJSWASMModule();
  return engine;
}

function describeError(text: string, limits: TransformationLimits, timedOut: boolean): string {
  if (timedOut || /interrupted/i.test(text)) {
    return `transformation exceeded its time limit (${limits.timeoutMs} ms)`;
  }
  if (/out of memory/i.test(text)) {
    return `transformation exceeded its memory limit (${Math.round(limits.memoryBytes / 1024 / 1024)} MiB)`;
  }
  if (/stack overflow/i.test(text)) return "transformation exceeded its stack limit";
  return `transformation threw ${text.slice(0, 500)}`;
}

/** Checks what the handler returned: Svix's webhook object with a method it can send and a URL. */
function checkOutput(value: unknown): TransformedWebhook | string {
  if (typeof value !== "object" || value === null) return "handler(webhook) must return the webhook object";
  const out = value as Record<string, unknown>;
  const method = typeof out.method === "string" ? out.method.toUpperCase() : "";
  if (!METHODS.has(method)) return "webhook.method must be POST, PUT or PATCH";
  if (typeof out.url !== "string" || !URL.canParse(out.url)) return "webhook.url must be an absolute URL";
  const headers = out.headers ?? {};
  if (
    typeof headers !== "object" ||
    headers === null ||
    Object.values(headers).some((v) => typeof v !== "string")
  ) {
    return "webhook.headers must map names to strings";
  }
  return {
    method: method as TransformedWebhook["method"],
    url: out.url,
    payload: out.payload,
    headers: headers as Record<string, string>,
    cancel: out.cancel === true,
  };
}

/** Runs `handler(webhook)` from `code` on a copy of the input; never throws. */
export async function runTransformation(
  code: string,
  input: TransformationInput,
  limits: TransformationLimits = DEFAULT_TRANSFORMATION_LIMITS,
  now: () => number = Date.now,
): Promise<TransformationResult> {
  const quickjs = await loadTransformationEngine();
  const runtime = quickjs.newRuntime();
  const deadline = now() + limits.timeoutMs;
  let timedOut = false;
  runtime.setMemoryLimit(limits.memoryBytes);
  // Below the host's own stack: QuickJS reports "stack overflow" before V8 would throw inside WebAssembly.
  runtime.setMaxStackSize(256 * 1024);
  runtime.setInterruptHandler(() => {
    timedOut = now() > deadline;
    return timedOut;
  });
  const context = runtime.newContext();
  try {
    const webhook = { ...input, cancel: false };
    // The input crosses as JSON text: nothing from Node's heap is shared with the sandbox.
    const script = `${code}
;(() => {
  if (typeof handler !== "function") throw new TypeError("the code must define function handler(webhook)");
  const result = handler(JSON.parse(${JSON.stringify(JSON.stringify(webhook))}));
  return JSON.stringify(result === undefined ? null : result);
})()`;
    const result = context.evalCode(script, "transformation.js");
    if (result.error) {
      const error = context.getString(result.error);
      result.error.dispose();
      return { ok: false, error: describeError(error, limits, timedOut) };
    }
    const text = context.getString(result.value);
    result.value.dispose();
    const checked = checkOutput(JSON.parse(text));
    return typeof checked === "string"
      ? { ok: false, error: `transformation: ${checked}` }
      : { ok: true, webhook: checked };
  } catch (error) {
    return { ok: false, error: describeError(String(error), limits, timedOut) };
  } finally {
    try {
      context.dispose();
      runtime.dispose();
    } catch {
      // An aborted WebAssembly instance cannot run again: the next transformation gets a fresh engine.
      engine = undefined;
    }
  }
}
