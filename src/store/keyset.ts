import type { Page, PageQuery } from "./types.ts";

/** SQL pieces for keyset pagination on a unique, sortable column. */
export function keysetClause(
  column: string,
  page: PageQuery,
): { where: string; orderBy: string; params: string[] } {
  const ascending = walksAscending(page);
  const orderBy = `${column} ${ascending ? "ASC" : "DESC"}`;
  if (page.cursor === null) return { where: "1=1", orderBy, params: [] };
  return { where: `${column} ${ascending ? ">" : "<"} ?`, orderBy, params: [page.cursor] };
}

/** Rows were fetched with LIMIT limit+1 in walking order; trim and restore display order. */
export function toPage<T>(rows: T[], page: PageQuery): Page<T> {
  const done = rows.length <= page.limit;
  const items = rows.slice(0, page.limit);
  if (page.direction === "prev") items.reverse();
  return { items, done };
}

/** Whether the page is read in ascending key order (a `prev` walk reads against the display order). */
export function walksAscending(page: PageQuery): boolean {
  return (page.order === "asc") === (page.direction === "next");
}
