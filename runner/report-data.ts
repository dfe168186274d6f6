// What `dag report` draws (pure): curve charts from the outputs a stage declares as plots, and its headline metrics against swept params.
import { headlineMetrics, plottedFields, type PlotSpec } from "./declarations.js";
import { canonicalText, showParamValue } from "./param-values.js";
import type { Pipeline } from "./pipeline.js";
import type { CatalogRow, StageCatalog } from "./catalog.js";
import { axisLabel } from "./sweep.js";

/** One line chart, as the page's script draws it with uPlot. */
export interface ChartSpec {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  /** The x values, ascending; for a categorical axis the indices 0…n−1 of `xTicks`. */
  readonly x: readonly number[];
  /** Tick labels of a categorical x axis. */
  readonly xTicks?: readonly string[];
  /** A logarithmic x axis (positive values spanning a factor of 10 or more, spaced more evenly in log than linearly). */
  readonly logX: boolean;
  /** Ticks exactly at the x values (the values a sweep tried), not at round numbers. */
  readonly ticksAtValues: boolean;
  /** One value per x (null: no point there). */
  readonly series: readonly ChartSeries[];
  /** Said under the chart, e.g. which identical curves were drawn as one. */
  readonly note?: string;
}

/** One record of a plot file: its x (e.g. the epoch) and its numbers. */
export type CurveRecord = Readonly<Record<string, number | null>>;

/** One line of a chart. */
export interface ChartSeries {
  readonly label: string;
  readonly values: readonly (number | null)[];
  /** The pipeline file's own variant: drawn thick. */
  readonly current: boolean;
  /** An entry the pipeline file and its sweep do not resolve to (another file's, a --set run, an earlier edit): hidden until the page's switch shows every entry. */
  readonly other: boolean;
}

/** Significant digits at which two curves count as the same line: closer than a chart's pixel, they would hide each other. */
const SAME_DIGITS = 4;

/**
 * Series with the same values to SAME_DIGITS significant digits (and the same visibility) drawn as
 * one, labelled `a = b`; the note says which were merged.
 */
export function dedupeSeries(series: readonly ChartSeries[]): { series: ChartSeries[]; note: string | undefined } {
  const groups = new Map<string, ChartSeries[]>();
  for (const s of series) {
    const id = `${s.other ? 1 : 0}:${JSON.stringify(s.values.map((v) => (v === null ? null : Number(v.toPrecision(SAME_DIGITS)))))}`;
    groups.set(id, [...(groups.get(id) ?? []), s]);
  }
  const merged: ChartSeries[] = [];
  const notes: string[] = [];
  for (const group of groups.values()) {
    const first = group[0] as ChartSeries;
    if (group.length === 1) {
      merged.push(first);
      continue;
    }
    const labels = [...new Set(group.map((s) => s.label))];
    const label = labels.length === 1 ? `${labels[0] as string} (${group.length} entries)` : labels.join(" = ");
    merged.push({ ...first, label, current: group.some((s) => s.current) });
    notes.push(`${group.length} identical curves drawn as one: ${labels.length === 1 ? `${group.length} entries of ${labels[0] as string}` : labels.join(", ")}`);
  }
  return { series: merged, note: notes.length === 0 ? undefined : notes.join("; ") };
}

/** A short name for a row in legends: its differing params (`alpha=0.01 loss.infonce=1`), else its key. */
export function rowLabel(row: CatalogRow, differing: readonly string[]): string {
  const parts = differing.map((name) => `${name}=${showParamValue(row.params[name])}`);
  return parts.length > 0 ? parts.join(" ") : row.key.slice(0, 10);
}

/**
 * The curves of one declared plot of a stage: one chart per plotted field (the plot's `y`), one
 * line per entry that wrote the file (`curves`: entry key → records; a null value is a gap).
 */
export function curveCharts(catalog: StageCatalog, plot: PlotSpec, curves: ReadonlyMap<string, readonly CurveRecord[]>): ChartSpec[] {
  const rows = catalog.rows.filter((row) => curves.has(row.key));
  if (rows.length === 0) return [];
  const xs = [...new Set(rows.flatMap((row) => (curves.get(row.key) ?? []).map((r) => r[plot.x]).filter((e): e is number => typeof e === "number")))].sort((a, b) => a - b);
  const keys = [...new Set(rows.flatMap((row) => (curves.get(row.key) ?? []).flatMap((r) => Object.keys(r))))];
  const metrics = plottedFields(plot, keys);
  return metrics.map((metric) => {
    const { series, note } = dedupeSeries(
      rows.map((row) => {
        const byX = new Map((curves.get(row.key) ?? []).map((r) => [r[plot.x], r[metric]]));
        return {
          label: rowLabel(row, catalog.differing),
          values: xs.map((e) => {
            const v = byX.get(e);
            return typeof v === "number" && Number.isFinite(v) ? v : null;
          }),
          current: row.current === "yaml",
          other: row.current === undefined,
        };
      }),
    );
    return { title: `${catalog.stage}: ${metric} per ${plot.x}`, xLabel: plot.x, yLabel: metric, x: xs, logX: false, ticksAtValues: false, series, ...(note === undefined ? {} : { note }) };
  });
}

/**
 * The params to plot metrics against for a stage: the swept params in its scope (its own, and
 * upstream ones as `stage.param`) that take two or more values among its entries; without a sweep
 * block, every param that differs between its entries.
 */
export function plottedParams(pipeline: Pipeline, catalog: StageCatalog): string[] {
  const varying = (name: string): boolean => new Set(catalog.rows.map((row) => canonicalText(row.params[name]))).size > 1;
  if (pipeline.sweep.length === 0) return [...catalog.differing];
  return pipeline.sweep.map((axis) => axisLabel(axis, catalog.stage)).filter((name) => catalog.rows.some((row) => name in row.params) && varying(name));
}

/**
 * Metric-vs-param charts of a stage: for each plotted param, its headline metrics against the
 * param's values, one line per metric and combination of the other differing params (the newest
 * entry wins where several share a point).
 */
export function sweepCharts(catalog: StageCatalog, params: readonly string[], declared: readonly string[]): ChartSpec[] {
  const metrics = headlineMetrics(catalog.metrics, declared);
  if (metrics.length === 0) return [];
  return params.map((param) => {
    const rows = catalog.rows.filter((row) => param in row.params);
    const values = [...new Map(rows.map((row) => [canonicalText(row.params[param]), row.params[param]])).values()];
    const numeric = values.every((v) => typeof v === "number" && Number.isFinite(v));
    const ordered = numeric ? [...values].sort((a, b) => (a as number) - (b as number)) : values;
    const x = numeric ? (ordered as number[]) : ordered.map((_, i) => i);
    const positive = numeric && (ordered as number[]).every((v) => v > 0);
    const logX = positive && looksLogSpaced(ordered as number[]);
    const others = catalog.differing.filter((name) => name !== param);
    const groups = new Map<string, { label: string; rows: CatalogRow[] }>();
    for (const row of rows) {
      const id = canonicalText(others.map((name) => row.params[name]));
      const group = groups.get(id) ?? { label: others.map((name) => `${name}=${showParamValue(row.params[name])}`).join(" "), rows: [] };
      group.rows.push(row);
      groups.set(id, group);
    }
    const series: ChartSeries[] = [];
    for (const metric of metrics) {
      for (const group of groups.values()) {
        const values = ordered.map((value) => {
          const at = group.rows.filter((row) => canonicalText(row.params[param]) === canonicalText(value) && typeof row.metrics[metric] === "number");
          const newest = at.sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1))[0];
          return newest === undefined ? null : (newest.metrics[metric] as number);
        });
        if (values.every((v) => v === null)) continue;
        series.push({
          label: group.label === "" ? metric : `${metric} · ${group.label}`,
          values,
          current: group.rows.some((row) => row.current === "yaml"),
          other: group.rows.every((row) => row.current === undefined),
        });
      }
    }
    const deduped = dedupeSeries(series);
    return {
      title: `${catalog.stage}: ${metrics.join(", ")} vs ${param}`,
      xLabel: param,
      yLabel: metrics.length === 1 ? (metrics[0] as string) : "metric",
      x,
      ...(numeric ? {} : { xTicks: ordered.map((v) => showParamValue(v)) }),
      logX,
      ticksAtValues: true,
      series: deduped.series,
      ...(deduped.note === undefined ? {} : { note: deduped.note }),
    };
  });
}

/** Relative spread of the gaps between neighbours: 0 when evenly spaced. */
function unevenness(values: readonly number[]): number {
  const gaps = values.slice(1).map((v, i) => v - (values[i] as number));
  const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
  const variance = gaps.reduce((a, b) => a + (b - mean) ** 2, 0) / gaps.length;
  return mean === 0 ? 0 : Math.sqrt(variance) / mean;
}

/** Whether ascending positive values read better on a log axis: a span of 10× or more, spaced more evenly in log (0.01, 0.03, 0.1). */
function looksLogSpaced(values: readonly number[]): boolean {
  if (values.length < 2 || (values.at(-1) as number) / (values[0] as number) < 10) return false;
  return values.length === 2 || unevenness(values.map(Math.log)) < unevenness(values);
}
