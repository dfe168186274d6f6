// Where the lock file and the workspace disagree, in words: a locked key today's YAML and code no longer produce, and why.
import type { ResolvedStage } from "./dag-walk.js";
import { flattenParams } from "./param-values.js";
import type { LockedStage, PipelineLock } from "./pipeline-lock.js";

/** What differs between a lock row and the key inputs today's workspace gives the stage. */
function differences(locked: LockedStage, now: ResolvedStage): string[] {
  if (now.resolution.kind !== "cached" && now.resolution.kind !== "missing") return [];
  const inputs = now.resolution.inputs;
  const out: string[] = [];
  const pb = flattenParams(locked.params);
  const pn = flattenParams(inputs.params);
  for (const name of new Set([...Object.keys(pb), ...Object.keys(pn)])) {
    if (JSON.stringify(pb[name]) !== JSON.stringify(pn[name])) out.push(`params.${name} ${show(pb[name])} → ${show(pn[name])}`);
  }
  for (const name of new Set([...Object.keys(locked.inputs), ...Object.keys(inputs.inputs)])) {
    const b = locked.inputs[name];
    const n = inputs.inputs[name];
    if (b?.hash !== n?.hash || b?.ref !== n?.ref) out.push(`input ${(n ?? b)?.ref ?? name} changed`);
  }
  for (const file of new Set([...Object.keys(locked.code), ...Object.keys(inputs.code)])) {
    if (locked.code[file] !== inputs.code[file]) out.push(`code of ${file} changed`);
  }
  return out;
}

function show(value: unknown): string {
  if (value === undefined) return "(unset)";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * One warning per disagreement: a locked stage that resolves to another key today
 * (`ridge: dag.lock has 3f2a1b4c5d, the workspace makes 9e8d7c6b5a (params.alpha 0.03 → 0.1); dag run updates the lock`),
 * a locked stage the pipeline no longer has. Stages whose key cannot be known yet (an upstream
 * entry is missing) are not judged.
 */
export function lockDrift(lock: PipelineLock, resolved: ReadonlyMap<string, ResolvedStage>, lockName: string): string[] {
  const notes: string[] = [];
  for (const [name, locked] of Object.entries(lock.stages).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const now = resolved.get(name);
    if (now === undefined) {
      notes.push(`${lockName} names ${name}, which the pipeline no longer has; dag run drops it`);
      continue;
    }
    if (now.key === undefined || now.key === locked.key) continue;
    const why = differences(locked, now);
    notes.push(
      `${name}: ${lockName} has ${locked.key.slice(0, 10)}, the workspace makes ${now.key.slice(0, 10)}${why.length > 0 ? ` (${why.join("; ")})` : " (runtime, packages or environment differ)"}; dag run updates the lock`,
    );
  }
  return notes;
}
