// Prints `dag runs`: a table per stage of its cached variants (differing params, metrics, time), as text, JSON, CSV or Markdown.
import { fitLine, fitTable, hiddenNote } from "./fit-width.js";
import { showParamValue } from "../param-values.js";
import { formatAge } from "../quantities.js";
import type { CatalogRow, CurrentMark, StageCatalog } from "../catalog.js";
import { formatDuration } from "./progress-line.js";

/** The characters of a key shown in tables (and accepted back by `dag diff` as a prefix). */
export const SHORT_KEY = 10;

/** A metric in a comparison table: four significant digits, so close variants stay apart. */
export function formatMetric(value: number | undefined): string {
  if (value === undefined) return "";
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return value.toExponential(3);
  return Number(value.toPrecision(4)).toString();
}

/** ● for the file's own variant, ○ for another variant of its sweep. */
export function markSymbol(mark: CurrentMark): string {
  return mark === "yaml" ? "●" : mark === "sweep" ? "○" : " ";
}

interface Table {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** Columns aligned right (numbers). */
  readonly right: ReadonlySet<number>;
}

function stageTable(catalog: StageCatalog, now: number): Table {
  const header = ["", "key", ...catalog.differing, ...catalog.metrics, "time", "ran"];
  const rows = catalog.rows.map((row) => [
    markSymbol(row.current),
    row.key.slice(0, SHORT_KEY),
    ...catalog.differing.map((name) => showParamValue(row.params[name])),
    ...catalog.metrics.map((name) => formatMetric(row.metrics[name])),
    row.seconds === undefined ? "" : formatDuration(row.seconds),
    formatAge(row.startedAt, now),
  ]);
  const firstMetric = 2 + catalog.differing.length;
  const right = new Set<number>();
  for (let i = firstMetric; i < firstMetric + catalog.metrics.length + 1; i++) right.add(i);
  return { header, rows, right };
}

function count(rows: number): string {
  return rows === 1 ? "1 cached variant" : `${rows} cached variants`;
}

/** The human tables, one per stage, with a legend when anything is marked. */
export function runsText(catalogs: readonly StageCatalog[], now = Date.now(), width = Infinity): string {
  const blocks: string[] = [];
  for (const catalog of catalogs) {
    if (catalog.rows.length === 0) {
      blocks.push(`${catalog.stage}: no cached variant\n`);
      continue;
    }
    const table = stageTable(catalog, now);
    // The mark, the key and the first param or metric always show; further columns while they fit.
    const fitted = fitTable(table.header, table.rows, table.right, width, 3);
    const note = hiddenNote(fitted.hidden, width);
    blocks.push([fitLine(`${catalog.stage}  (${count(catalog.rows.length)})`, width), ...fitted.lines, ...(note === undefined ? [] : [note])].join("\n") + "\n");
  }
  const marked = catalogs.some((c) => c.rows.some((r) => r.current !== undefined));
  if (marked) blocks.push(fitLine("● the pipeline file's variant   ○ another variant of its sweep", width) + "\n");
  return blocks.join("\n");
}

function escapeMarkdown(text: string): string {
  return text.replace(/\|/g, "\\|");
}

/** Markdown: a heading and a table per stage, for reports. */
export function runsMarkdown(catalogs: readonly StageCatalog[], now = Date.now()): string {
  const blocks: string[] = [];
  for (const catalog of catalogs) {
    if (catalog.rows.length === 0) {
      blocks.push(`### ${catalog.stage}\n\nNo cached variant.\n`);
      continue;
    }
    const table = stageTable(catalog, now);
    const header = ["current", ...table.header.slice(1)];
    const align = header.map((_, i) => (table.right.has(i) ? "---:" : "---"));
    const row = (cells: readonly string[]): string => `| ${cells.map(escapeMarkdown).join(" | ")} |`;
    blocks.push(
      [`### ${catalog.stage} (${count(catalog.rows.length)})`, "", row(header), `|${align.join("|")}|`, ...table.rows.map((cells) => row(cells.map((c, i) => (i === 1 ? `\`${c}\`` : c))))].join("\n") + "\n",
    );
  }
  if (catalogs.some((c) => c.rows.some((r) => r.current !== undefined))) blocks.push("● the pipeline file's variant, ○ another variant of its sweep.\n");
  return blocks.join("\n");
}

function rowJson(row: CatalogRow): Record<string, unknown> {
  return {
    key: row.key,
    current: row.current ?? null,
    variants: row.variants,
    params: row.params,
    metrics: row.metrics,
    seconds: row.seconds ?? null,
    startedAt: row.startedAt,
    outDir: row.entry.outDir,
  };
}

/** `{"stages":[{"stage","params":[differing names],"metrics":[names],"runs":[{"key","current","variants","params","metrics","seconds","startedAt","outDir"}]}]}`. */
export function runsJson(catalogs: readonly StageCatalog[]): string {
  return JSON.stringify(
    { stages: catalogs.map((c) => ({ stage: c.stage, params: c.differing, metrics: c.metrics, runs: c.rows.map(rowJson) })) },
    null,
    2,
  );
}

function csvCell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** One CSV table over all stages: stage, key, current, params.* (the differing ones), metrics.*, seconds, started_at. */
export function runsCsv(catalogs: readonly StageCatalog[]): string {
  const params = [...new Set(catalogs.flatMap((c) => c.differing))];
  const metrics = [...new Set(catalogs.flatMap((c) => c.metrics))];
  const lines = [["stage", "key", "current", ...params.map((p) => `params.${p}`), ...metrics.map((m) => `metrics.${m}`), "seconds", "started_at"].map(csvCell).join(",")];
  for (const catalog of catalogs) {
    for (const row of catalog.rows) {
      const cells = [
        catalog.stage,
        row.key,
        row.current ?? "",
        ...params.map((p) => (catalog.differing.includes(p) ? showParamValue(row.params[p]) : "")),
        ...metrics.map((m) => (row.metrics[m] === undefined ? "" : String(row.metrics[m]))),
        row.seconds === undefined ? "" : String(row.seconds),
        row.startedAt,
      ];
      lines.push(cells.map(csvCell).join(","));
    }
  }
  return lines.join("\n") + "\n";
}
