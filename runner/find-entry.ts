// Finds the cache entry a command-line reference names: a key or its prefix, STAGE:KEY, or a stage (variant) of the pipeline.
import type { CacheEntry } from "../cache/cache-entry.js";
import type { StageKey } from "../cache/digest.js";
import { err, ok, type Result } from "../cache/result.js";
import { didYouMeanHint } from "./config/did-you-mean.js";
import type { Pipeline } from "./pipeline.js";
import type { ResolvedStage } from "./dag-walk.js";

/** A reference that names no entry, or several. */
export interface BadEntryRef {
  readonly reason: "bad-entry-ref";
  readonly message: string;
}

/**
 * The entry `ref` names among `all`: `STAGE:KEYPREFIX`; a stage of the pipeline (its file's own
 * variant) or a variant's name — the entry it resolves to today, else the one its artifacts/ link
 * points at (`currents`: link → key); else a key prefix, unique across stages.
 */
export function findEntry(
  ref: string,
  all: readonly CacheEntry[],
  pipeline: Pipeline,
  resolved: ReadonlyMap<string, ResolvedStage>,
  currents: ReadonlyMap<string, StageKey>,
): Result<CacheEntry, BadEntryRef> {
  const colon = ref.indexOf(":");
  if (colon > 0) {
    const stage = ref.slice(0, colon);
    const prefix = ref.slice(colon + 1);
    return unique(ref, all.filter((e) => e.stage === stage && e.key.startsWith(prefix)));
  }
  const spec = pipeline.stages.get(ref) ?? [...pipeline.stages.values()].find((s) => s.base === ref && s.artifact === s.base);
  if (spec !== undefined) {
    const entry = resolved.get(spec.name)?.entry;
    if (entry !== undefined) return ok(entry);
    const key = currents.get(spec.artifact);
    const linked = all.find((e) => e.stage === spec.base && e.key === key);
    if (linked !== undefined) return ok(linked);
    return err({ reason: "bad-entry-ref", message: `${spec.name} has no cached entry: dag run it first` });
  }
  if (!/^[0-9a-f]{4,}$/.test(ref)) {
    const names = [...new Set([...pipeline.stages.keys(), ...[...pipeline.stages.values()].map((s) => s.base)])];
    const hint = didYouMeanHint(ref, names);
    return err({ reason: "bad-entry-ref", message: `"${ref}" is neither a stage nor a key (at least 4 hex digits, as dag runs shows)${hint ? `; ${hint}` : ""}` });
  }
  return unique(ref, all.filter((e) => e.key.startsWith(ref)));
}

function unique(ref: string, matches: readonly CacheEntry[]): Result<CacheEntry, BadEntryRef> {
  if (matches.length === 1) return ok(matches[0] as CacheEntry);
  if (matches.length === 0) return err({ reason: "bad-entry-ref", message: `no cached entry matches "${ref}" (dag runs lists them)` });
  const listed = matches.slice(0, 5).map((e) => `${e.stage}:${e.key.slice(0, 12)}`).join(", ");
  return err({ reason: "bad-entry-ref", message: `"${ref}" matches ${matches.length} entries (${listed}${matches.length > 5 ? ", …" : ""}); give more of the key` });
}
