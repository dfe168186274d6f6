// What `dag report` draws (pure): training-curve charts from curve.json files and metric-vs-param charts for swept params.
import { canonicalText, showParamValue } from "./param-values.js";
import type { Pipeline } from "./pipeline.js";
import type { CatalogRow, StageCatalog } from "./run-catalog.js";
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
  readonly series: readonly { readonly label: string; readonly values: readonly (number | null)[]; readonly current: boolean }[];
}

/** One record of a curve.json: the epoch and its numbers (see stages/lib/train-projector.ts `EpochRecord`). */
export type CurveRecord = Readonly<Record<string, number | null>>;

/** A short name for a row in legends: its differing params (`alpha=0.01 loss.infonce=1`), else its key. */
export function rowLabel(row: CatalogRow, differing: readonly string[]): string {
  const parts = differing.map((name) => `${name}=${showParamValue(row.params[name])}`);
  return parts.length > 0 ? parts.join(" ") : row.key.slice(0, 10);
}

/** The metrics a chart shows for a stage: its MRR-style ones, else its first three. */
export function headlineMetrics(metrics: readonly string[]): string[] {
  const mrr = metrics.filter((m) => /^(test_)?mrr_/.test(m));
  return mrr.length > 0 ? mrr : metrics.slice(0, 3);
}

/**
 * Training curves of one stage: a loss chart and one chart per validation MRR key, one line per
 * entry that wrote curve.json (`curves`: entry key → records; null loss of epoch 0 is a gap).
 */
export function curveCharts(catalog: StageCatalog, curves: ReadonlyMap<string, readonly CurveRecord[]>): ChartSpec[] {
  const rows = catalog.rows.filter((row) => curves.has(row.key));
  if (rows.length === 0) return [];
  const epochs = [...new Set(rows.flatMap((row) => (curves.get(row.key) ?? []).map((r) => r["epoch"]).filter((e): e is number => typeof e === "number")))].sort((a, b) => a - b);
  const keys = [...new Set(rows.flatMap((row) => (curves.get(row.key) ?? []).flatMap((r) => Object.keys(r))))];
  const metrics = ["loss", ...keys.filter((k) => /^(val_)?mrr_/.test(k))].filter((k) => keys.includes(k));
  return metrics.map((metric) => ({
    title: `${catalog.stage}: ${metric === "loss" ? "training loss" : `validation ${metric}`} per epoch`,
    xLabel: "epoch",
    yLabel: metric,
    x: epochs,
    logX: false,
    ticksAtValues: false,
    series: rows.map((row) => {
      const byEpoch = new Map((curves.get(row.key) ?? []).map((r) => [r["epoch"], r[metric]]));
      return {
        label: rowLabel(row, catalog.differing),
        values: epochs.map((e) => {
          const v = byEpoch.get(e);
          return typeof v === "number" && Number.isFinite(v) ? v : null;
        }),
        current: row.current === "yaml",
      };
    }),
  }));
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
export function sweepCharts(catalog: StageCatalog, params: readonly string[]): ChartSpec[] {
  const metrics = headlineMetrics(catalog.metrics);
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
    const series: { label: string; values: (number | null)[]; current: boolean }[] = [];
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
        });
      }
    }
    return {
      title: `${catalog.stage}: ${metrics.join(", ")} vs ${param}`,
      xLabel: param,
      yLabel: metrics.length === 1 ? (metrics[0] as string) : "metric",
      x,
      ...(numeric ? {} : { xTicks: ordered.map((v) => showParamValue(v)) }),
      logX,
      ticksAtValues: true,
      series,
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
