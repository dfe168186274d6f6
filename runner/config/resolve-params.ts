// Resolves `${name}` references in a stage's params to the top-level params, recursively.
import { configError, type ConfigError } from "./config-error.js";
import { didYouMeanHint } from "./did-you-mean.js";
import type { YamlPath, YamlSource } from "./read-yaml.js";

const WHOLE = /^\$\{([^{}]*)\}$/;
const EMBEDDED = /\$\{([^{}]*)\}/g;

/**
 * Resolves the params at `at` (a path into the file, for positions) against the top-level params.
 * A string that is exactly `${name}` takes the param's value with its type; a reference inside a
 * longer string is replaced by the param's text. An unknown name is an "unknown-param" error at
 * the reference, and the reference is left as written.
 */
export function resolveParams(
  params: Readonly<Record<string, unknown>>,
  top: Readonly<Record<string, unknown>>,
  at: YamlPath,
  source: YamlSource,
): { readonly params: Record<string, unknown>; readonly errors: ConfigError[] } {
  const errors: ConfigError[] = [];
  const lookup = (name: string, where: YamlPath): { found: boolean; value?: unknown } => {
    if (Object.prototype.hasOwnProperty.call(top, name)) return { found: true, value: top[name] };
    const hint =
      Object.keys(top).length === 0
        ? `declare it under the top-level "params:"`
        : (didYouMeanHint(name, Object.keys(top)) ?? `top-level params: ${Object.keys(top).join(", ")}`);
    errors.push(configError("unknown-param", source.file, source.textSpan(where, `\${${name}}`), `unknown param "\${${name}}"`, hint));
    return { found: false };
  };
  const resolve = (value: unknown, where: YamlPath): unknown => {
    if (typeof value === "string") {
      const whole = WHOLE.exec(value);
      if (whole !== null) {
        const found = lookup(whole[1] as string, where);
        return found.found ? structuredClone(found.value) : value;
      }
      return value.replace(EMBEDDED, (reference, name: string) => {
        const found = lookup(name, where);
        return found.found ? asText(found.value) : reference;
      });
    }
    if (Array.isArray(value)) return value.map((item, index) => resolve(item, [...where, index]));
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolve(item, [...where, key])]));
    }
    return value;
  };
  const resolved = Object.fromEntries(Object.entries(params).map(([key, value]) => [key, resolve(value, [...at, key])]));
  return { params: resolved, errors };
}

function asText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value !== null && typeof value === "object") return JSON.stringify(value);
  return String(value);
}
