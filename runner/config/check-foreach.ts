// Reads a stage's `foreach:` block (copies that differ by one param: seeds, folds) into axes; positioned errors otherwise.
import type { SweepAxis } from "../pipeline.js";
import { canonicalText, paramAt } from "../param-values.js";
import { axisValues } from "./axis-values.js";
import { isRecord } from "./build-stage.js";
import { configError, type ConfigError } from "./config-error.js";
import { didYouMeanHint } from "./did-you-mean.js";
import type { YamlSource } from "./read-yaml.js";

/**
 * The foreach axes of stage `stage` (its raw block `raw`, its resolved `params`): each line names
 * a param the stage has (a dotted path) and a non-empty list of distinct values. Shapes the schema
 * rejects are skipped here.
 */
export function readForeach(
  stage: string,
  raw: unknown,
  params: Readonly<Record<string, unknown>>,
  top: Readonly<Record<string, unknown>>,
  source: YamlSource,
): { readonly axes: SweepAxis[]; readonly errors: ConfigError[] } {
  const axes: SweepAxis[] = [];
  const errors: ConfigError[] = [];
  if (!isRecord(raw)) return { axes, errors };
  for (const [written, list] of Object.entries(raw)) {
    if (!Array.isArray(list) || list.length === 0) continue;
    const at = ["stages", stage, "foreach", written];
    const path = written.split(".");
    const found = paramAt(params, path);
    if (!found.found || path.some((segment) => segment === "")) {
      const keys = found.found ? [] : (found.missing.keys ?? []);
      const hint = didYouMeanHint(path[found.found ? 0 : found.missing.at] ?? written, keys) ?? "declare it under the stage's params first (foreach varies a param the stage has)";
      errors.push(configError("unknown-param", source.file, source.keySpan(at), `foreach "${written}" of stage "${stage}" names no param of the stage`, hint));
      continue;
    }
    const { values, errors: valueErrors, repeats } = axisValues(list, top, at, source);
    errors.push(...valueErrors);
    const repeated = repeats[0];
    if (repeated !== undefined) {
      errors.push(configError("bad-sweep", source.file, source.valueSpan([...at, repeated.index]), `foreach "${written}" of stage "${stage}" lists the value ${canonicalText(values[repeated.index])} twice`, "list each value once"));
      continue;
    }
    axes.push({ id: `${stage}.${written}`, stage, path, values, foreach: true });
  }
  return { axes, errors };
}
