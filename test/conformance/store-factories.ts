import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createPostgresStore } from "../../src/store/postgres/postgres-store.ts";
import { createSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import type { Store } from "../../src/store/store.ts";
import { createMigratedDatabase, skipPostgres } from "../support/postgres.ts";

export interface StoreHandle {
  store: Store;
  /** A second, independent store on the same database (another process's view). */
  open(): Promise<Store>;
  /** Whether listenForWork hears about other stores' writes (PostgreSQL LISTEN/NOTIFY). */
  notifies: boolean;
  dispose(): Promise<void>;
}

/** Every Store implementation the conformance suite runs against; each `create` makes a fresh database. */
export const storeFactories: Array<{ name: string; skip: boolean; create(): Promise<StoreHandle> }> = [
  {
    name: "sqlite",
    skip: false,
    async create() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "outbound-store-"));
      const file = path.join(dir, "test.db");
      const opened: Store[] = [createSqliteStore(file)];
      return {
        store: opened[0]!,
        notifies: false,
        async open() {
          const store = createSqliteStore(file);
          opened.push(store);
          return store;
        },
        async dispose() {
          for (const store of opened) await store.close();
          fs.rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: "postgres",
    skip: skipPostgres,
    async create() {
      const db = await createMigratedDatabase();
      const options = { url: db.url, pool: 4 };
      const opened: Store[] = [await createPostgresStore(options)];
      return {
        store: opened[0]!,
        notifies: true,
        async open() {
          const store = await createPostgresStore(options);
          opened.push(store);
          return store;
        },
        async dispose() {
          for (const store of opened) await store.close();
          await db.drop();
        },
      };
    },
  },
];
