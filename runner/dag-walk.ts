// One DAG walk for every command: a stage's inputs resolved from its upstream entries, its key computed, its entry looked up.
import type { CacheEntry } from "../cache/cache-entry.js";
import type { HashError, StageKey } from "../cache/digest.js";
import type { CacheMiss } from "../cache/store.js";
import type { StageSpec } from "./pipeline.js";
import type { Project } from "./project.js";
import type { KeyInputs } from "./stage-key.js";

/** How the walk looks entries up: repairing under the run lock (damaged ones moved aside), read-only, or not at all (--force). */
export type LookupMode = "repair" | "inspect" | "skip";

/** What one stage resolves to, given the entries its upstream stages resolved to. */
export type StageResolution =
  /** An upstream stage (by pipeline name) has no entry: the key cannot be known yet. */
  | { readonly kind: "waiting"; readonly upstream: readonly string[] }
  /** An input or code file cannot be hashed. */
  | { readonly kind: "unhashable"; readonly error: HashError }
  /** The key's entry exists and verifies. */
  | { readonly kind: "cached"; readonly key: StageKey; readonly inputs: KeyInputs; readonly entry: CacheEntry }
  /** No usable entry for the key; `damaged` when the one there failed verification. */
  | { readonly kind: "missing"; readonly key: StageKey; readonly inputs: KeyInputs; readonly damaged: Extract<CacheMiss, { reason: "corrupt" }> | undefined };

/** Resolves one stage: `upstream` maps pipeline stage names (variants' names for variants) to the entries they resolved to. */
export async function resolveStage(project: Project, spec: StageSpec, upstream: ReadonlyMap<string, CacheEntry>, mode: LookupMode): Promise<StageResolution> {
  const waiting = [...new Set(spec.deps.flatMap((dep) => (dep.kind === "output" && !upstream.has(dep.from) ? [dep.from] : [])))];
  if (waiting.length > 0) return { kind: "waiting", upstream: waiting };
  const keyed = await project.hasher.keyOf(spec, upstream);
  if (!keyed.ok) return { kind: "unhashable", error: keyed.error.error };
  const { key, inputs } = keyed.value;
  if (mode === "skip") return { kind: "missing", key, inputs, damaged: undefined };
  const found = mode === "repair" ? await project.store.lookup(spec.base, key) : await project.store.inspect(spec.base, key);
  if (found.ok) return { kind: "cached", key, inputs, entry: found.value };
  return { kind: "missing", key, inputs, damaged: found.error.reason === "corrupt" ? found.error : undefined };
}

/** What one stage of the pipeline resolves to today, for the read-only commands. */
export interface ResolvedStage {
  readonly spec: StageSpec;
  readonly resolution: StageResolution;
  /** Its key; undefined when an upstream stage has no entry yet or an input cannot be read. */
  readonly key: StageKey | undefined;
  /** Its cached entry for that key; undefined when it would run. */
  readonly entry: CacheEntry | undefined;
}

/**
 * Walks `stages` (topological order, upstream included), each resolved from the entries its
 * upstream stages resolved to, read-only: damaged entries are reported in the resolutions, never moved.
 */
export async function resolvePipeline(project: Project, stages: readonly string[]): Promise<Map<string, ResolvedStage>> {
  const entries = new Map<string, CacheEntry>();
  const out = new Map<string, ResolvedStage>();
  for (const name of stages) {
    const spec = project.pipeline.stages.get(name);
    if (spec === undefined) continue;
    const resolution = await resolveStage(project, spec, entries, "inspect");
    if (resolution.kind === "cached") entries.set(name, resolution.entry);
    const key = resolution.kind === "cached" || resolution.kind === "missing" ? resolution.key : undefined;
    out.set(name, { spec, resolution, key, entry: resolution.kind === "cached" ? resolution.entry : undefined });
  }
  return out;
}

/** The damaged entries a read-only walk met, in words: `ridge: entry 3f2a… is damaged (W.npy does not match its manifest); dag run will recompute it`. */
export function damageNotes(resolved: Iterable<ResolvedStage>): string[] {
  const notes = new Set<string>();
  for (const { spec, resolution } of resolved) {
    if (resolution.kind === "missing" && resolution.damaged !== undefined) {
      notes.add(`${spec.base}: entry ${resolution.key.slice(0, 10)}… is damaged (${resolution.damaged.summary}); dag run will recompute it`);
    }
  }
  return [...notes];
}
