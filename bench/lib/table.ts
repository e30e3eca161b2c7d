/** Plain-text and Markdown tables for the console and docs. */

export type Cell = string | number | boolean | null | undefined;

export function formatCell(cell: Cell): string {
  if (cell === null || cell === undefined) return "";
  if (typeof cell === "boolean") return cell ? "yes" : "no";
  if (typeof cell === "number") {
    if (!Number.isFinite(cell)) return String(cell);
    const abs = Math.abs(cell);
    if (Number.isInteger(cell) || abs >= 1000) return Math.round(cell).toLocaleString("en-US");
    if (abs >= 10) return cell.toFixed(1);
    return cell.toFixed(2);
  }
  return cell;
}

export function renderTable(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = rows.map((row) => headers.map((_, i) => formatCell(row[i])));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((row) => (row[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => {
        const width = widths[i] ?? 0;
        const numeric = /^-?[\d,.]+×?$/.test(cell);
        return numeric ? cell.padStart(width) : cell.padEnd(width);
      })
      .join("  ")
      .trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [line(headers), rule, ...text.map(line)].join("\n");
}

export function renderMarkdown(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const escapePipes = (s: string) => s.replace(/\|/g, "\\|");
  const lines = [
    `| ${headers.map(escapePipes).join(" | ")} |`,
    `| ${headers.map(() => "---").join(" | ")} |`,
    ...rows.map((row) => `| ${headers.map((_, i) => escapePipes(formatCell(row[i]))).join(" | ")} |`),
  ];
  return lines.join("\n");
}
