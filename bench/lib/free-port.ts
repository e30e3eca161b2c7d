import { createServer } from "node:net";

/** Ports handed out by this process: servers started side by side must not be given the same one. */
const handedOut = new Set<number>();

/** A port that was free a moment ago (listen on 0, read it, close), never one this process handed out before. */
export async function freePort(): Promise<number> {
  for (;;) {
    const probe = createServer();
    await new Promise<void>((resolve, reject) => {
      probe.once("error", reject);
      probe.listen(0, "127.0.0.1", resolve);
    });
    const address = probe.address();
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    if (address === null || typeof address === "string") throw new Error("could not read the probe port");
    if (handedOut.has(address.port)) continue;
    handedOut.add(address.port);
    return address.port;
  }
}
