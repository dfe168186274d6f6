// The end of a run in words: where its results are (the final stages' outputs) and the best headline metric among its variants.
import { headlineMetrics } from "../declarations.js";
import { formatNumber } from "./progress-line.js";

/** Where a row's outputs are shown: its `artifacts/` link and declared outputs. */
export interface RowOutputs {
  /** The link as shown, relative to the project root: `artifacts/export` or `artifacts/export@alpha=0.1`. */
  readonly link: string;
  readonly outs: readonly string[];
}

/** What the run view is told of the pipeline to say where results are. */
export interface ResultPlaces {
  /** The rows of stages nothing downstream of them in this run reads (e.g. export), by row name. */
  readonly finals: readonly string[];
  /** Every row's link and outputs, by row name. */
  readonly outputs: Readonly<Record<string, RowOutputs>>;
  /** The row that is the pipeline file's own variant, by stage (its link is `artifacts/STAGE`). */
  readonly own: Readonly<Record<string, string>>;
}

/** Lower is better for these metric names; higher for every other. */
const LOWER_IS_BETTER = /(^|_)(loss|error|mse|mae|rmse|seconds)(_|$)/;

/**
 * `results: artifacts/export/submission.csv, artifacts/export/metrics.json` for each final stage's
 * own variant, then `best test_mrr_full 0.436: export[ridge.alpha=0.1] (artifacts/export@…)` over
 * the settled rows of the last stage with headline metrics, when more than one row has it.
 */
export function resultsText(
  places: ResultPlaces,
  metrics: ReadonlyMap<string, Readonly<Record<string, number>>>,
  headlines: Readonly<Record<string, readonly string[]>>,
  baseOf: (name: string) => string,
): string[] {
  const lines: string[] = [];
  const shownBases = new Set<string>();
  for (const name of places.finals) {
    const base = baseOf(name);
    if (shownBases.has(base)) continue;
    const own = places.own[base] ?? name;
    const at = places.outputs[own];
    if (at === undefined || !metrics.has(own)) continue;
    shownBases.add(base);
    lines.push(`results: ${at.outs.map((o) => `${at.link}/${o}`).join(", ")}`);
  }
  const rated = [...metrics.keys()].filter((n) => Object.keys(metrics.get(n) ?? {}).length > 0);
  const last = rated.length > 0 ? baseOf(rated[rated.length - 1] as string) : undefined;
  if (last === undefined) return lines;
  const rows = rated.filter((n) => baseOf(n) === last);
  const first = rows[0] as string;
  const metric = headlineMetrics(Object.keys(metrics.get(first) ?? {}), headlines[first] ?? [])[0];
  if (metric === undefined) return lines;
  const lower = LOWER_IS_BETTER.test(metric);
  let best: string | undefined;
  for (const n of rows) {
    const v = metrics.get(n)?.[metric];
    if (v === undefined || !Number.isFinite(v)) continue;
    const b = best === undefined ? undefined : metrics.get(best)?.[metric];
    if (b === undefined || (lower ? v < b : v > b)) best = n;
  }
  if (best === undefined) return lines;
  const value = formatNumber(metrics.get(best)?.[metric] as number);
  const where = places.outputs[best]?.link;
  lines.push(`${rows.length > 1 ? `best of ${rows.length} variants` : "headline"}: ${best} ${metric} ${value}${rows.length > 1 && where !== undefined ? `  (${where}/)` : ""}`);
  return lines;
}
