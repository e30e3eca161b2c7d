import { useState } from "react";
import type { ListResponse } from "../api/types.ts";
import { SelectField } from "./forms.tsx";
import { useLoad } from "./hooks.ts";

export const PAGE_SIZES = ["10", "25", "50", "100"] as const;
export type PageSize = (typeof PAGE_SIZES)[number];

interface Position {
  /** The filters this position belongs to: when they change, paging starts again at page 1. */
  filters: string;
  iterator: string | undefined;
  page: number;
}

/**
 * A list read page by page with the API's cursors (`iterator` forward, `prevIterator` back), `limit` rows a page
 * (the Pager's choice). `filters` are what the list is filtered by: they stay while paging, and a change (or another
 * page size) goes back to page 1. Next and Previous are offered only once the current page has arrived, so a double
 * click cannot skip a page. Spread `pager` into `<Pager>`.
 */
export function usePagedList<T>(
  load: (page: { iterator: string | undefined; limit: number }) => Promise<ListResponse<T>>,
  filters: unknown[],
) {
  const [size, setSize] = useState<PageSize>("50");
  const limit = Number(size);
  const key = JSON.stringify([...filters, limit]);
  const [position, setPosition] = useState<Position>({ filters: key, iterator: undefined, page: 1 });
  const at = position.filters === key ? position : { filters: key, iterator: undefined, page: 1 };
  const atKey = JSON.stringify(at);
  const list = useLoad(
    async () => ({ at: atKey, list: await load({ iterator: at.iterator, limit }) }),
    [atKey],
  );
  const current = list.data?.at === atKey ? list.data.list : undefined;
  const nextIterator = current && !current.done ? current.iterator : null;
  const prevIterator = current && at.page > 1 ? current.prevIterator : null;
  const pager: PagerState = {
    page: at.page,
    next: nextIterator
      ? () => setPosition({ filters: key, iterator: nextIterator, page: at.page + 1 })
      : null,
    previous: prevIterator
      ? () => setPosition({ filters: key, iterator: prevIterator, page: at.page - 1 })
      : null,
    size,
    onSize: setSize,
  };
  return { rows: list.data?.list.data ?? [], error: list.error, reload: list.reload, pager };
}

interface PagerState {
  page: number;
  previous: (() => void) | null;
  next: (() => void) | null;
  size: PageSize;
  onSize: (size: PageSize) => void;
}

/** Previous / Next under a paged table, the page number, and how many rows a page shows. */
export function Pager(props: PagerState & { label: string }) {
  return (
    <nav className="row pager" aria-label={props.label}>
      <button type="button" disabled={props.previous === null} onClick={() => props.previous?.()}>
        Previous
      </button>
      <p aria-live="polite" data-testid="pager-page">
        Page {props.page}
      </p>
      <button type="button" disabled={props.next === null} onClick={() => props.next?.()}>
        Next
      </button>
      <SelectField
        label="Rows per page"
        value={props.size}
        options={PAGE_SIZES.map((size): [PageSize, string] => [size, size])}
        onChange={props.onSize}
      />
    </nav>
  );
}
