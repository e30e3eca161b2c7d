import { walksAscending } from "../keyset.ts";
import type { PageQuery } from "../types.ts";
import type { Queryable } from "./database.ts";

/** Keyset pagination fragments on a unique, sortable column (a constant from the code, never input). */
export function keyset(sql: Queryable, column: string, page: PageQuery) {
  const ascending = walksAscending(page);
  const orderBy = sql.unsafe(`${column} ${ascending ? "ASC" : "DESC"}`);
  const where =
    page.cursor === null
      ? sql`TRUE`
      : sql`${sql.unsafe(column)} ${sql.unsafe(ascending ? ">" : "<")} ${page.cursor}`;
  return { where, orderBy, limit: page.limit + 1 };
}
