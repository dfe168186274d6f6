// Fitting tables and lines to the terminal: whole columns dropped from the right (named below the table), free text cut at a word.

/**
 * The width to fit output to: unlimited with `--wide` or when stdout is not a terminal (pipes and
 * files get everything), else the terminal's columns; `COLUMNS` set in the environment wins.
 */
export function outputWidth(stdout: NodeJS.WritableStream, wide: boolean): number {
  if (wide) return Infinity;
  const env = Number(process.env["COLUMNS"]);
  if (Number.isInteger(env) && env > 0) return env;
  const columns = (stdout as NodeJS.WriteStream).isTTY ? (stdout as NodeJS.WriteStream).columns : undefined;
  return columns !== undefined && columns > 0 ? columns : Infinity;
}

/** Cuts a line to `width` characters at a word boundary, ending in `…` (a single long word is cut only when nothing else fits). */
export function fitLine(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  const cut = chars.slice(0, Math.max(1, width - 1)).join("");
  const space = cut.lastIndexOf(" ");
  return `${space > width / 3 ? cut.slice(0, space).trimEnd() : cut}…`;
}

/** A table laid out to a width: its lines, and the headers of the columns left out. */
export interface FittedTable {
  readonly lines: string[];
  readonly hidden: string[];
}

/**
 * Lays out `header` and `rows` with two spaces between columns (`right`: right-aligned), dropping
 * whole columns from the right, never the first `keep`, until the table fits `width`; a cell is
 * never cut. Columns listed in `last` stay at the end (e.g. time and age after the metrics).
 */
export function fitTable(header: readonly string[], rows: readonly (readonly string[])[], right: ReadonlySet<number>, width: number, keep = 1): FittedTable {
  const all = header.map((_, i) => i);
  const widthOf = (i: number): number => Math.max((header[i] ?? "").length, ...rows.map((r) => [...(r[i] ?? "")].length));
  const total = (cols: readonly number[]): number => cols.reduce((sum, i) => sum + widthOf(i), 0) + 2 * Math.max(0, cols.length - 1);
  const shown = [...all];
  while (total(shown) > width && shown.length > keep) shown.pop();
  const line = (cells: readonly string[]): string =>
    shown
      .map((i) => {
        const cell = cells[i] ?? "";
        const pad = widthOf(i) - [...cell].length;
        return right.has(i) ? " ".repeat(pad) + cell : cell + " ".repeat(pad);
      })
      .join("  ")
      .trimEnd();
  return { lines: [line(header), ...rows.map(line)], hidden: all.filter((i) => !shown.includes(i)).map((i) => header[i] ?? "") };
}

/** `+ 3 more columns (--wide): r5_full, r10_full, ran` under a table that did not fit. */
export function hiddenNote(hidden: readonly string[], width: number): string | undefined {
  if (hidden.length === 0) return undefined;
  return fitLine(`+ ${hidden.length} more column${hidden.length === 1 ? "" : "s"} (--wide shows all): ${hidden.join(", ")}`, width);
}
