import {
  closestCenter,
  DndContext,
  type DragEndEvent,
  KeyboardSensor,
  PointerSensor,
  useSensor,
  useSensors,
} from "@dnd-kit/core";
import {
  SortableContext,
  sortableKeyboardCoordinates,
  useSortable,
  verticalListSortingStrategy,
} from "@dnd-kit/sortable";
import { CSS } from "@dnd-kit/utilities";
import { useId, useState } from "react";
import { Checkbox } from "../ui/forms.tsx";
import { fieldName, type MappingRow, moveRow, rowKey } from "./builder-state.ts";

interface Props {
  rows: MappingRow[];
  includeAll: boolean;
  /** Paths found in the chosen event type's example. */
  paths: string[];
  onChange: (rows: MappingRow[], includeAll: boolean) => void;
}

/**
 * The payload builder: pick fields from the example, rename them, order them (drag and drop, with the keyboard
 * too: focus the handle, Space, arrows, Space; or the up/down buttons), add static properties.
 */
export function PayloadFields({ rows, includeAll, paths, onChange }: Props) {
  const [picked, setPicked] = useState("");
  const pickId = useId();
  const sensors = useSensors(
    useSensor(PointerSensor),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  );
  const set = (next: MappingRow[]) => onChange(next, includeAll);
  const update = (key: string, change: Partial<MappingRow>) =>
    set(rows.map((row) => (row.key === key ? { ...row, ...change } : row)));
  const onDragEnd = ({ active, over }: DragEndEvent) => {
    if (!over || active.id === over.id) return;
    const from = rows.findIndex((row) => row.key === active.id);
    const to = rows.findIndex((row) => row.key === over.id);
    set(moveRow(rows, from, to));
  };
  const unused = paths.filter((path) => !rows.some((row) => row.from === path));
  return (
    <section aria-labelledby={`${pickId}-title`}>
      <h3 id={`${pickId}-title`}>Payload fields</h3>
      <p className="hint">
        With no fields the whole event payload is sent unchanged. Fields are sent in this order.
      </p>
      <div className="row">
        <div className="grow field">
          <label htmlFor={pickId}>Field from the event</label>
          <select id={pickId} value={picked} onChange={(event) => setPicked(event.target.value)}>
            <option value="">Choose a field…</option>
            {unused.map((path) => (
              <option key={path} value={path}>
                {path}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <button
            type="button"
            disabled={!picked}
            onClick={() => {
              set([...rows, { key: rowKey(), from: picked, to: fieldName(picked), value: "" }]);
              setPicked("");
            }}
          >
            Add field
          </button>
        </div>
        <div className="field">
          <button
            type="button"
            onClick={() => set([...rows, { key: rowKey(), from: null, to: "", value: "" }])}
          >
            Add static property
          </button>
        </div>
      </div>
      <DndContext sensors={sensors} collisionDetection={closestCenter} onDragEnd={onDragEnd}>
        <SortableContext items={rows.map((row) => row.key)} strategy={verticalListSortingStrategy}>
          <ol className="sortable" aria-label="Payload fields in order">
            {rows.map((row, index) => (
              <SortableRow
                key={row.key}
                row={row}
                index={index}
                count={rows.length}
                onChange={(change) => update(row.key, change)}
                onMove={(to) => set(moveRow(rows, index, to))}
                onRemove={() => set(rows.filter((other) => other.key !== row.key))}
              />
            ))}
          </ol>
        </SortableContext>
      </DndContext>
      <Checkbox
        label="Send all other fields too (after these)"
        checked={includeAll}
        onChange={(checked) => onChange(rows, checked)}
      />
    </section>
  );
}

function SortableRow(props: {
  row: MappingRow;
  index: number;
  count: number;
  onChange: (change: Partial<MappingRow>) => void;
  onMove: (to: number) => void;
  onRemove: () => void;
}) {
  const { row, index } = props;
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, transform, transition } = useSortable({
    id: row.key,
  });
  const id = useId();
  const title = row.from ?? "static property";
  return (
    <li ref={setNodeRef} style={{ transform: CSS.Transform.toString(transform), transition }}>
      <button
        type="button"
        className="icon handle"
        ref={setActivatorNodeRef}
        {...attributes}
        {...listeners}
        aria-label={`Drag ${row.to || title} to reorder`}
      >
        ⠿
      </button>
      <span className="grow">
        {row.from === null ? (
          <>
            <label htmlFor={`${id}-value`} className="visually-hidden">
              Value of static property {index + 1}
            </label>
            <input
              id={`${id}-value`}
              placeholder="static value"
              value={row.value}
              onChange={(event) => props.onChange({ value: event.target.value })}
            />
          </>
        ) : (
          <code>{row.from}</code>
        )}
      </span>
      <span aria-hidden="true">→</span>
      <span className="grow">
        <label htmlFor={`${id}-to`} className="visually-hidden">
          Send {title} as
        </label>
        <input
          id={`${id}-to`}
          value={row.to}
          placeholder="name sent"
          onChange={(event) => props.onChange({ to: event.target.value })}
        />
      </span>
      <button
        type="button"
        className="icon"
        aria-label={`Move ${row.to || title} up`}
        disabled={index === 0}
        onClick={() => props.onMove(index - 1)}
      >
        ↑
      </button>
      <button
        type="button"
        className="icon"
        aria-label={`Move ${row.to || title} down`}
        disabled={index === props.count - 1}
        onClick={() => props.onMove(index + 1)}
      >
        ↓
      </button>
      <button
        type="button"
        className="icon danger"
        aria-label={`Remove ${row.to || title}`}
        onClick={props.onRemove}
      >
        ✕
      </button>
    </li>
  );
}
