// What pipeline.yaml declares about a stage's results, as DVC's metrics/plots do: which metrics are headline, which outputs are plots.

/** An output holding per-step records (a JSON array of objects, e.g. one per epoch) to draw as curves. */
export interface PlotSpec {
  /** The declared output, e.g. `curve.json`. */
  readonly file: string;
  /** The record field on the x axis (default `epoch`). */
  readonly x: string;
  /** The fields drawn, one chart each: names or `*` patterns (default: every numeric field but x). */
  readonly y: readonly string[] | undefined;
}

/** Whether `name` matches one of `patterns` (exact names, or `*` standing for any run of characters). */
export function matchesAny(name: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => new RegExp(`^${pattern.split("*").map(escapeRegExp).join(".*")}$`).test(name));
}

/** The headline metrics among `names`: those matching what the stage declares, else (none declared or none there) the first three. */
export function headlineMetrics(names: readonly string[], declared: readonly string[]): string[] {
  const chosen = names.filter((name) => matchesAny(name, declared));
  return chosen.length > 0 ? chosen : names.slice(0, 3);
}

/** The fields of a plot's records to draw: its declared y (patterns matched against `fields`), else every field but x. */
export function plottedFields(plot: PlotSpec, fields: readonly string[]): string[] {
  const candidates = fields.filter((field) => field !== plot.x);
  if (plot.y === undefined) return candidates;
  return plot.y.flatMap((pattern) => candidates.filter((field) => matchesAny(field, [pattern]))).filter((field, i, all) => all.indexOf(field) === i);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
}
