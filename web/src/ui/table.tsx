import { STATUS_BADGE } from "./forms.tsx";

/**
 * A list table's header row: one column per name (`false` leaves a column out), and with `actions` a last column
 * for the row's buttons, named for screen readers only.
 */
export function TableHead({
  columns,
  actions = false,
}: {
  columns: Array<string | false>;
  actions?: boolean;
}) {
  return (
    <thead>
      <tr>
        {columns
          .filter((column): column is string => column !== false)
          .map((column) => (
            <th key={column} scope="col">
              {column}
            </th>
          ))}
        {actions && (
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        )}
      </tr>
    </thead>
  );
}

/** The Refresh button beside a list's filters, on their baseline. */
export function RefreshButton({ onClick }: { onClick: () => void }) {
  return (
    <div className="field">
      <button type="button" onClick={onClick}>
        Refresh
      </button>
    </div>
  );
}

export type StatusValue = "" | "0" | "1" | "2" | "3";

/** Options of a delivery-status filter: `any` first, then the statuses with the badges' words. */
export function statusOptions(any: string, statuses: Array<0 | 1 | 2 | 3>): Array<[StatusValue, string]> {
  return [
    ["", any],
    ...statuses.map((status): [StatusValue, string] => [
      String(status) as StatusValue,
      STATUS_BADGE[status]?.[1] ?? "",
    ]),
  ];
}
