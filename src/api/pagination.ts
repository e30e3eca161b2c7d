import type { Page, PageQuery } from "../store/types.ts";

export interface ListResponse<T> {
  data: T[];
  iterator: string | null;
  prevIterator: string | null;
  done: boolean;
}

/** Svix iterators: the last item's key walks forward; `-<first item's key>` walks back. */
export function toPageQuery(
  query: { limit: number; iterator?: string | undefined; order?: "ascending" | "descending" | undefined },
  defaultOrder: "asc" | "desc",
): PageQuery {
  const order = query.order === undefined ? defaultOrder : query.order === "ascending" ? "asc" : "desc";
  const iterator = query.iterator ?? null;
  if (iterator?.startsWith("-"))
    return { limit: query.limit, cursor: iterator.slice(1), direction: "prev", order };
  return { limit: query.limit, cursor: iterator, direction: "next", order };
}

export function toListResponse<R, T>(
  page: Page<R>,
  query: PageQuery,
  keyOf: (row: R) => string,
  render: (row: R) => T,
): ListResponse<T> {
  const first = page.items[0];
  const last = page.items[page.items.length - 1];
  // Walking back, "done" means nothing newer; forward paging from here always continues.
  const done = query.direction === "next" ? page.done : false;
  return {
    data: page.items.map(render),
    iterator: last ? keyOf(last) : query.direction === "next" ? query.cursor : null,
    prevIterator: first ? `-${keyOf(first)}` : null,
    done,
  };
}
