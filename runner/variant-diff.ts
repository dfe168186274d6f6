// Compares two cached variants (pure): the params that differ, every metric with its change, and other differences in words.
import { asEntryRecord } from "./entry-record.js";
import { canonicalText } from "./param-values.js";
import type { CatalogRow } from "./catalog.js";
import { staleReasons } from "./stale-reasons.js";

export interface VariantDiff {
  readonly a: CatalogRow;
  readonly b: CatalogRow;
  /** Params (own, and upstream as `stage.param`) whose values differ, A's then B's only ones in order. */
  readonly params: readonly { readonly name: string; readonly a: unknown; readonly b: unknown }[];
  /** Every metric of either, with B − A where both have it. */
  readonly metrics: readonly { readonly name: string; readonly a: number | undefined; readonly b: number | undefined; readonly delta: number | undefined }[];
  /** What else differs in their inputs, in words (`input load:captions.npy changed`, `code of stages/ridge.ts changed`). */
  readonly other: readonly string[];
}

export function diffVariants(a: CatalogRow, b: CatalogRow): VariantDiff {
  const names = [...new Set([...Object.keys(a.params), ...Object.keys(b.params)])];
  const params = names.filter((name) => canonicalText(a.params[name]) !== canonicalText(b.params[name])).map((name) => ({ name, a: a.params[name], b: b.params[name] }));
  const metricNames = [...new Set([...Object.keys(a.metrics), ...Object.keys(b.metrics)])];
  const metrics = metricNames.map((name) => {
    const va = a.metrics[name];
    const vb = b.metrics[name];
    return { name, a: va, b: vb, delta: va === undefined || vb === undefined ? undefined : vb - va };
  });
  const ia = asEntryRecord(a.entry.manifest.record)?.inputs;
  const ib = asEntryRecord(b.entry.manifest.record)?.inputs;
  const other =
    ia === undefined || ib === undefined || a.key === b.key
      ? []
      : staleReasons(ia, ib).filter((reason) => !reason.startsWith("params.") && reason !== "cache entry missing");
  if (a.stage !== b.stage) return { a, b, params, metrics, other: [`different stages: ${a.stage} and ${b.stage}`, ...other] };
  return { a, b, params, metrics, other };
}
