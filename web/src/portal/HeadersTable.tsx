import { useState } from "react";
import { TableHead } from "../ui/table.tsx";
import { type HeaderRow, rowKey } from "./builder-state.ts";

/** Custom headers as a table: each row shows name and value with an edit and a delete icon; one row edits at a time. */
export function HeadersTable({
  rows,
  onChange,
}: {
  rows: HeaderRow[];
  onChange: (rows: HeaderRow[]) => void;
}) {
  const [editing, setEditing] = useState<string | null>(null);
  const [name, setName] = useState("");
  const [value, setValue] = useState("");
  const start = (row: HeaderRow) => {
    setEditing(row.key);
    setName(row.name);
    setValue(row.value);
  };
  const save = () => {
    if (!name.trim()) return;
    if (editing === "new") onChange([...rows, { key: rowKey(), name: name.trim(), value }]);
    else onChange(rows.map((row) => (row.key === editing ? { ...row, name: name.trim(), value } : row)));
    setEditing(null);
  };
  const editor = (
    <tr>
      <td>
        <label htmlFor="header-name" className="visually-hidden">
          Header name
        </label>
        <input id="header-name" value={name} onChange={(event) => setName(event.target.value)} />
      </td>
      <td>
        <label htmlFor="header-value" className="visually-hidden">
          Header value
        </label>
        <input id="header-value" value={value} onChange={(event) => setValue(event.target.value)} />
      </td>
      <td className="actions">
        <button type="button" className="primary" onClick={save}>
          Save header
        </button>
        <button type="button" onClick={() => setEditing(null)}>
          Cancel
        </button>
      </td>
    </tr>
  );
  return (
    <section>
      <h3>Custom headers</h3>
      <table>
        <TableHead columns={["Name", "Value"]} actions />
        <tbody>
          {rows.map((row) =>
            editing === row.key ? (
              <tr key={row.key}>{editor.props.children}</tr>
            ) : (
              <tr key={row.key}>
                <td>
                  <code>{row.name}</code>
                </td>
                <td>
                  <code>{row.value}</code>
                </td>
                <td className="actions">
                  <button
                    type="button"
                    className="icon"
                    aria-label={`Edit header ${row.name}`}
                    onClick={() => start(row)}
                  >
                    ✎
                  </button>
                  <button
                    type="button"
                    className="icon danger"
                    aria-label={`Delete header ${row.name}`}
                    onClick={() => onChange(rows.filter((other) => other.key !== row.key))}
                  >
                    🗑
                  </button>
                </td>
              </tr>
            ),
          )}
          {editing === "new" && editor}
          {rows.length === 0 && editing !== "new" && (
            <tr>
              <td colSpan={3} className="hint">
                No custom headers.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {editing === null && (
        <button type="button" onClick={() => start({ key: "new", name: "", value: "" })}>
          Add header
        </button>
      )}
    </section>
  );
}
