// The values of one sweep or foreach line, resolved as params are ("${seed}"), with the ones listed twice.
import { canonicalText } from "../param-values.js";
import type { ConfigError } from "./config-error.js";
import type { YamlPath, YamlSource } from "./read-yaml.js";
import { resolveParams } from "./resolve-params.js";

export interface AxisValues {
  readonly values: unknown[];
  readonly errors: ConfigError[];
  /** Each value that repeats an earlier one (compared canonically: 0.1 and 1e-1 are one value), with the index of its first listing. */
  readonly repeats: { readonly index: number; readonly first: number }[];
}

export function axisValues(list: readonly unknown[], top: Readonly<Record<string, unknown>>, at: YamlPath, source: YamlSource): AxisValues {
  const resolved = resolveParams(Object.fromEntries(list.map((value, index) => [String(index), value])), top, at, source);
  const values = list.map((_, index) => resolved.params[String(index)]);
  const seen = new Map<string, number>();
  const repeats: { index: number; first: number }[] = [];
  values.forEach((value, index) => {
    const text = canonicalText(value);
    const first = seen.get(text);
    if (first === undefined) seen.set(text, index);
    else repeats.push({ index, first });
  });
  return { values, errors: resolved.errors, repeats };
}
