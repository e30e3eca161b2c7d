import { useId } from "react";
import { type FilterOperator, type FilterRow, rowKey } from "./builder-state.ts";

const OPERATOR_LABELS: Array<[FilterOperator, string]> = [
  ["in", "is one of"],
  ["nin", "is none of"],
  ["eq", "equals"],
  ["ne", "does not equal"],
  ["gt", "is greater than"],
  ["lt", "is less than"],
  ["exists", "exists (true/false)"],
];

/** Content filter: every row must match for the endpoint to get a message (e.g. `source` is one of Referred, Direct). */
export function FilterRows({
  rows,
  paths,
  onChange,
}: {
  rows: FilterRow[];
  paths: string[];
  onChange: (rows: FilterRow[]) => void;
}) {
  const listId = useId();
  const update = (key: string, change: Partial<FilterRow>) =>
    onChange(rows.map((row) => (row.key === key ? { ...row, ...change } : row)));
  return (
    <section>
      <h3>Content filter</h3>
      <p className="hint">Only messages matching every condition are sent to this endpoint.</p>
      <datalist id={listId}>
        {paths.map((path) => (
          <option key={path} value={path} />
        ))}
      </datalist>
      {rows.map((row, index) => (
        <div className="row" key={row.key}>
          <div className="grow field">
            <label htmlFor={`${row.key}-field`}>Condition {index + 1} field</label>
            <input
              id={`${row.key}-field`}
              list={listId}
              value={row.field}
              onChange={(event) => update(row.key, { field: event.target.value })}
            />
          </div>
          <div className="field">
            <label htmlFor={`${row.key}-op`}>Condition {index + 1} operator</label>
            <select
              id={`${row.key}-op`}
              value={row.op}
              onChange={(event) => update(row.key, { op: event.target.value as FilterOperator })}
            >
              {OPERATOR_LABELS.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </div>
          <div className="grow field">
            <label htmlFor={`${row.key}-values`}>Condition {index + 1} values</label>
            <input
              id={`${row.key}-values`}
              value={row.values}
              placeholder={row.op === "in" || row.op === "nin" ? "Referred, Direct, Added" : "value"}
              onChange={(event) => update(row.key, { values: event.target.value })}
            />
          </div>
          <div className="field">
            <button
              type="button"
              className="danger"
              aria-label={`Remove condition ${index + 1}`}
              onClick={() => onChange(rows.filter((other) => other.key !== row.key))}
            >
              Remove
            </button>
          </div>
        </div>
      ))}
      <button
        type="button"
        onClick={() => onChange([...rows, { key: rowKey(), field: "", op: "in", values: "" }])}
      >
        Add condition
      </button>
    </section>
  );
}
