// Reads the `sweep` block: each `STAGE.PARAM: [values]` line must name a stage and one of its params; positioned errors otherwise.
import type { SweepAxis } from "../pipeline.js";
import { canonicalText, paramAt } from "../param-values.js";
import { axisValues } from "./axis-values.js";
import { isRecord } from "./build-stage.js";
import { configError, type ConfigError, type Span } from "./config-error.js";
import { didYouMeanHint } from "./did-you-mean.js";
import type { YamlSource } from "./read-yaml.js";

/** `stage.param.path`: a stage name, then one or more param keys. */
const AXIS_ID = /^([a-z][a-z0-9_-]*)\.(.+)$/;

/**
 * The axes of the sweep block `raw` against the stages' resolved params. Keys and values that the
 * schema already rejects are skipped here; every other problem is a positioned error.
 */
export function readSweep(
  raw: unknown,
  stages: ReadonlyMap<string, Readonly<Record<string, unknown>>>,
  top: Readonly<Record<string, unknown>>,
  source: YamlSource,
): { readonly axes: SweepAxis[]; readonly errors: ConfigError[] } {
  const axes: SweepAxis[] = [];
  const errors: ConfigError[] = [];
  if (!isRecord(raw)) return { axes, errors };
  for (const [id, written] of Object.entries(raw)) {
    const match = AXIS_ID.exec(id);
    if (match === null || !Array.isArray(written) || written.length === 0) continue;
    const stage = match[1] as string;
    const path = (match[2] as string).split(".");
    const keySpan = source.keySpan(["sweep", id]);
    const params = stages.get(stage);
    if (params === undefined) {
      const hint = didYouMeanHint(stage, stages.keys()) ?? `stages: ${[...stages.keys()].join(", ")}`;
      errors.push(configError("unknown-stage", source.file, part(keySpan, id, 0, stage.length), `sweep "${id}" names unknown stage "${stage}"`, hint));
      continue;
    }
    if (path.some((segment) => segment === "")) {
      errors.push(configError("unknown-param", source.file, keySpan, `sweep "${id}" has an empty param name`, `write STAGE.PARAM, e.g. ${stage}.${Object.keys(params)[0] ?? "alpha"}`));
      continue;
    }
    const found = paramAt(params, path);
    if (!found.found) {
      const { at, keys } = found.missing;
      const from = stage.length + 1 + path.slice(0, at).reduce((n, s) => n + s.length + 1, 0);
      const span = part(keySpan, id, from, from + (path[at] as string).length);
      const where = at === 0 ? `stage "${stage}"` : `param "${path.slice(0, at).join(".")}" of stage "${stage}"`;
      if (keys === undefined) {
        errors.push(configError("unknown-param", source.file, span, `sweep "${id}": ${where} is not a mapping, so it has no "${path[at]}"`, `sweep "${stage}.${path.slice(0, at).join(".")}" itself`));
      } else {
        const hint =
          didYouMeanHint(path[at] as string, keys) ??
          (keys.length > 0 ? `its params: ${keys.join(", ")}` : `declare it under the stage's params first (a sweep varies a param the stage has)`);
        errors.push(configError("unknown-param", source.file, span, `sweep "${id}": ${where} has no param "${path[at]}"`, hint));
      }
      continue;
    }
    const overlapping = axes.find((axis) => axis.stage === stage && (startsWith(axis.path, path) || startsWith(path, axis.path)));
    if (overlapping !== undefined) {
      errors.push(configError("bad-sweep", source.file, keySpan, `sweep "${id}" overlaps sweep "${overlapping.id}"`, "sweep a param or the mapping holding it, not both"));
      continue;
    }
    const { values, errors: valueErrors, repeats } = axisValues(written, top, ["sweep", id], source);
    errors.push(...valueErrors);
    for (const { index, first } of repeats) {
      const firstLine = source.valueSpan(["sweep", id, first]).line;
      errors.push(configError("bad-sweep", source.file, source.valueSpan(["sweep", id, index]), `sweep "${id}" lists the value ${canonicalText(values[index])} twice`, `it is already listed${firstLine > 0 ? ` on line ${firstLine}` : ""}`));
    }
    if (repeats.length === 0) axes.push({ id, stage, path, values });
  }
  return { axes, errors };
}

function startsWith(path: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => path[i] === segment);
}

/** The part [from, to) of `written` when `span` covers exactly `written` on one line, else `span`. */
function part(span: Span, written: string, from: number, to: number): Span {
  if (span.endCol === undefined || span.endCol - span.col !== written.length || to <= from) return span;
  return { ...span, col: span.col + from, endCol: span.col + to };
}
