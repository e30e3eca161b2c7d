/**
 * Entry of a delivery thread (`OUTBOUND_WORKER_THREADS`): a delivery worker with its own database connection, undici
 * dispatcher and event loop, so that claiming, signing, sending and recording run on a core the API does not use.
 * The main thread keeps what must exist once per process: metrics, operational events and `outbound listen` relays.
 */
import { type MessagePort, parentPort, workerData } from "node:worker_threads";
import type { Config } from "../config.ts";
import { createLogger } from "../observability/logger.ts";
import { createSecretBox } from "../secret-box.ts";
import { StartupError } from "../startup-failure.ts";
import { openStore } from "../store/open-store.ts";
import type { Store } from "../store/store.ts";
import { createDeliverySender, createDeliveryWorker } from "./delivery-setup.ts";
import type { HttpSender, SendResult } from "./http-sender.ts";
import { isRelayUrl } from "./relay-hub.ts";
import { decodeClaims, encodeOutcomes } from "./thread-codec.ts";
import type { FromDeliveryThread, ToDeliveryThread } from "./thread-protocol.ts";

export interface DeliveryThreadData {
  config: Config;
  /** The encryption key's bytes (never logged): endpoint secrets are opened here. */
  key: Uint8Array;
  /** The main thread's SQLite write gate: its writes and ours take turns without sleeping. */
  writeGate: SharedArrayBuffer;
  version: string;
}

function post(port: MessagePort, message: FromDeliveryThread): void {
  port.postMessage(message);
}

/** Relay URLs are answered by the main thread's relay hub; everything else goes out through `sender`. */
function relayThroughMain(sender: HttpSender, port: MessagePort) {
  const waiting = new Map<number, (result: SendResult) => void>();
  let nextId = 1;
  const wrapped: HttpSender = {
    send(request, stop) {
      if (!isRelayUrl(request.url)) return sender.send(request, stop);
      const id = nextId++;
      return new Promise<SendResult>((resolve) => {
        waiting.set(id, resolve);
        post(port, { type: "relay-send", id, request });
        stop?.addEventListener("abort", () => post(port, { type: "relay-abort", id }), { once: true });
      });
    },
    close: () => sender.close(),
  };
  return {
    sender: wrapped,
    answer(id: number, result: SendResult) {
      waiting.get(id)?.(result);
      waiting.delete(id);
    },
  };
}

async function run(port: MessagePort, data: DeliveryThreadData): Promise<void> {
  const { config } = data;
  const logger = createLogger(config).child({ thread: "delivery" });
  let store: Store | undefined;
  try {
    store = await openStore(config.database, {
      writeGate: data.writeGate,
      // The one connection of the process that checkpoints the WAL (the API's leaves it to this one).
      checkpoints: "timer",
    });
    const opened = store;
    const relays = relayThroughMain(createDeliverySender(config), port);
    const worker = createDeliveryWorker(
      config,
      {
        store: opened,
        sender: relays.sender,
        secrets: createSecretBox(Buffer.from(data.key)),
        logger,
        version: data.version,
      },
      {
        onEndpointDisabled: (attempt) => post(port, { type: "endpoint-disabled", attempt }),
        onOutcomesRecorded: (outcomes) =>
          post(port, { type: "outcomes", outcomes: encodeOutcomes(outcomes) }),
      },
    );
    const unlisten = await opened.listenForWork(() => worker.notify());
    port.on("message", (message: ToDeliveryThread) => {
      if (message.type === "notify") worker.notify();
      else if (message.type === "adopt") worker.adopt(decodeClaims(message.claims));
      else if (message.type === "relay-result") relays.answer(message.id, message.result);
      else if (message.type === "stop") {
        void (async () => {
          try {
            await worker.stop(message.graceMs);
            await unlisten();
            await relays.sender.close();
            await opened.close();
          } catch (error) {
            logger.error({ err: error }, "stopping the delivery thread failed");
          } finally {
            // Whatever happened, the main thread must not wait for this thread any longer.
            post(port, { type: "stopped" });
            port.close();
          }
        })();
      }
    });
    worker.start();
    post(port, { type: "ready", owner: worker.owner });
  } catch (error) {
    await store?.close().catch(() => {});
    post(port, {
      type: "failed",
      message: error instanceof Error ? error.message : String(error),
      startup: error instanceof StartupError,
    });
    port.close();
  }
}

if (parentPort) void run(parentPort, workerData as DeliveryThreadData);
