// Resolves every stage of a pipeline to its key and cached entry, the way a run would, without running anything.
import type { CacheEntry } from "../cache/cache-entry.js";
import type { StageKey } from "../cache/digest.js";
import type { StageSpec } from "./pipeline.js";
import type { Project } from "./project.js";

/** What one stage of the pipeline resolves to today. */
export interface ResolvedStage {
  readonly spec: StageSpec;
  /** Its key; undefined when an upstream stage has no entry yet or an input cannot be read. */
  readonly key: StageKey | undefined;
  /** Its cached entry for that key; undefined when it would run. */
  readonly entry: CacheEntry | undefined;
}

/**
 * Walks `stages` (topological order, upstream included) resolving keys from the entries upstream
 * stages resolved to. Cached entries are verified (a corrupt one is moved aside and counts as missing).
 */
export async function resolvePipeline(project: Project, stages: readonly string[]): Promise<Map<string, ResolvedStage>> {
  const entries = new Map<string, CacheEntry>();
  const out = new Map<string, ResolvedStage>();
  for (const name of stages) {
    const spec = project.pipeline.stages.get(name);
    if (spec === undefined) continue;
    const ready = spec.deps.every((dep) => dep.kind !== "output" || entries.has(dep.from));
    if (!ready) {
      out.set(name, { spec, key: undefined, entry: undefined });
      continue;
    }
    const keyed = await project.keys.resolve(spec, entries);
    if (!keyed.ok) {
      out.set(name, { spec, key: undefined, entry: undefined });
      continue;
    }
    const hit = await project.store.lookup(spec.base, keyed.value.key);
    if (hit.ok) entries.set(name, hit.value);
    out.set(name, { spec, key: keyed.value.key, entry: hit.ok ? hit.value : undefined });
  }
  await project.stats.save();
  return out;
}
