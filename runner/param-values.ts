// Stage params by dotted path: read, replace, compare canonically and show compactly (`loss.infonce=1`).

/** True for a plain mapping (not a list, not null). */
function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Where a param path stops naming anything: the index of the first missing segment and the mapping it was looked up in. */
export interface MissingParam {
  readonly reason: "missing-param";
  /** Index in the path of the segment that is not there. */
  readonly at: number;
  /** The keys that are there, when the lookup reached a mapping; undefined when it reached a value that is not a mapping. */
  readonly keys: readonly string[] | undefined;
}

/** The value at `path` inside `params`, or where the path stops naming anything. */
export function paramAt(params: Readonly<Record<string, unknown>>, path: readonly string[]): { found: true; value: unknown } | { found: false; missing: MissingParam } {
  let node: unknown = params;
  for (let i = 0; i < path.length; i++) {
    if (!isMapping(node)) return { found: false, missing: { reason: "missing-param", at: i, keys: undefined } };
    const key = path[i] as string;
    if (!Object.prototype.hasOwnProperty.call(node, key)) return { found: false, missing: { reason: "missing-param", at: i, keys: Object.keys(node) } };
    node = node[key];
  }
  return { found: true, value: node };
}

/** A copy of `params` with the value at `path` replaced (the path's mappings must exist; unchanged parts are shared). */
export function withParam(params: Readonly<Record<string, unknown>>, path: readonly string[], value: unknown): Record<string, unknown> {
  const [head, ...rest] = path;
  if (head === undefined) throw new Error("internal: an empty param path");
  const inner = params[head];
  return { ...params, [head]: rest.length === 0 ? value : withParam(isMapping(inner) ? inner : {}, rest, value) };
}

/** The canonical text of a param value: mapping keys sorted, numbers by value (0.030 and 3e-2 are one text). */
export function canonicalText(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalText).join(",")}]`;
  if (isMapping(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalText(value[k])}`).join(",")}}`;
  }
  return value === undefined ? "null" : JSON.stringify(value);
}

/** Whether two param values are the same value, whatever their key order or number notation. */
export function sameParamValue(a: unknown, b: unknown): boolean {
  return canonicalText(a) === canonicalText(b);
}

/** A param value as shown in names and tables: strings bare, numbers as numbers, the rest as JSON. */
export function showParamValue(value: unknown): string {
  if (value === undefined) return "";
  if (typeof value === "string") return value;
  return canonicalText(value);
}

/** Flattens nested params into dotted paths: { loss: { mse: 0.5 } } → { "loss.mse": 0.5 }. Lists stay whole. */
export function flattenParams(value: unknown, prefix = "", out: Record<string, unknown> = {}): Record<string, unknown> {
  if (isMapping(value)) {
    for (const [k, v] of Object.entries(value)) flattenParams(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out[prefix] = value;
  }
  return out;
}
