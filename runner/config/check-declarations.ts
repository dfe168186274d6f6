// Reads a stage's `metrics:` (headline metric names or patterns) and `plots:` (outputs drawn as curves), each problem positioned.
import type { PlotSpec } from "../declarations.js";
import { configError, type ConfigError } from "./config-error.js";
import { didYouMeanHint } from "./did-you-mean.js";
import type { YamlPath, YamlSource } from "./read-yaml.js";

/** A metric name or pattern: letters, digits, `_ . -`, and `*` for any run of characters. */
const METRIC_PATTERN = /^[A-Za-z0-9_.*-]+$/;

/**
 * The declarations of stage `stage` (`raw` is its mapping as parsed): headline metric patterns
 * and plots, each plot's file a declared output of the stage (`outs`). The schema has checked the
 * shapes; this checks the content.
 */
export function readDeclarations(
  stage: string,
  raw: Readonly<Record<string, unknown>>,
  outs: readonly string[],
  outsKnown: boolean,
  source: YamlSource,
): { readonly metrics: string[]; readonly plots: PlotSpec[]; readonly errors: ConfigError[] } {
  const at: YamlPath = ["stages", stage];
  const errors: ConfigError[] = [];
  const metrics: string[] = [];
  if (Array.isArray(raw["metrics"])) {
    raw["metrics"].forEach((name: unknown, index) => {
      if (typeof name === "string" && METRIC_PATTERN.test(name)) {
        metrics.push(name);
        return;
      }
      errors.push(configError("schema", source.file, source.valueSpan([...at, "metrics", index]), `${JSON.stringify(name)} in "metrics" of stage "${stage}" is not a metric name`, 'write a name such as mrr_full, or a pattern such as "mrr_*"'));
    });
  }
  const plots: PlotSpec[] = [];
  if (Array.isArray(raw["plots"])) {
    raw["plots"].forEach((item: unknown, index) => {
      const where: YamlPath = [...at, "plots", index];
      const entry = typeof item === "string" ? ([item, {}] as const) : item !== null && typeof item === "object" && !Array.isArray(item) ? Object.entries(item)[0] : undefined;
      if (entry === undefined) return;
      const [file, options] = entry;
      if (outsKnown && !outs.includes(file)) {
        const hint = didYouMeanHint(file, outs) ?? `its outputs: ${outs.join(", ")}`;
        errors.push(configError("unknown-output", source.file, typeof item === "string" ? source.valueSpan(where) : source.keySpan([...where, file]), `plot "${file}" of stage "${stage}" is not one of its outputs`, hint));
        return;
      }
      const { x, y } = (options ?? {}) as { x?: unknown; y?: unknown };
      plots.push({ file, x: typeof x === "string" ? x : "epoch", y: Array.isArray(y) ? y.filter((v): v is string => typeof v === "string") : undefined });
    });
  }
  return { metrics, plots, errors };
}
