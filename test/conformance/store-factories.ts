import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { Store } from "../../src/store/store.ts";

/** Every Store implementation the conformance suite runs against. PostgreSQL joins here when it lands. */
export const storeFactories: Array<{
  name: string;
  create(): Promise<{ store: Store; dispose(): Promise<void> }>;
}> = [
  {
    name: "sqlite",
    async create() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "outbound-store-"));
      const store = createSqliteStore(path.join(dir, "test.db"));
      return {
        store,
        async dispose() {
          await store.close();
          fs.rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
];
