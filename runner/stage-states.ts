// Says, for each stage, whether it is cached, stale (and why, in words) or never run, without running anything.
import path from "node:path";
import type { CacheEntry } from "../cache/cache-entry.js";
import { asEntryRecord } from "./entry-record.js";
import { previousInputs } from "./previous-inputs.js";
import type { Project } from "./project.js";
import { staleReasons } from "./stale-reasons.js";

export type StageState = "cached" | "stale" | "never run";

export interface StageStatus {
  readonly name: string;
  readonly state: StageState;
  /** Why the stage is stale, one sentence each; empty when cached. */
  readonly reasons: readonly string[];
  /** Declared output → absolute path of the current entry's file (under artifacts/STAGE/). */
  readonly outputs: Readonly<Record<string, string>>;
  /** Metrics of the entry that matches today's key, else of the last entry. */
  readonly metrics: Readonly<Record<string, number>>;
  /** Wall time of that entry's run, in seconds. */
  readonly seconds: number | undefined;
  /** Facts about how that entry was computed, e.g. the compute backend. */
  readonly meta: Readonly<Record<string, string | number | boolean>>;
}

/** A status row whose metrics, timing and facts come from `entry` (the stage's current or matching one). */
function statusOf(name: string, state: StageState, reasons: readonly string[], entry: CacheEntry | undefined, outputs: Record<string, string>): StageStatus {
  const record = asEntryRecord(entry?.manifest.record);
  return { name, state, reasons, outputs, metrics: record?.metrics ?? {}, seconds: record?.seconds, meta: record?.meta ?? {} };
}

/** Walks the stages in order, resolving keys from upstream entries the way a run would. */
export async function stageStates(project: Project, stages: readonly string[]): Promise<StageStatus[]> {
  const resolved = new Map<string, CacheEntry>();
  const states = new Map<string, StageState>();
  const out: StageStatus[] = [];
  for (const name of stages) {
    const spec = project.pipeline.stages.get(name);
    if (spec === undefined) continue;
    const entries = await project.store.list(spec.base);
    const currentKey = await project.store.getCurrent(spec.artifact);
    // A variant never linked yet has no entry of its own to show (the stage's newest may be another variant's).
    const currentEntry = entries.find((e) => e.key === currentKey) ?? (spec.artifact === spec.base ? entries[entries.length - 1] : undefined);
    const linkedOutputs = (entry: CacheEntry | undefined): Record<string, string> =>
      entry === undefined ? {} : Object.fromEntries(spec.outs.map((o) => [o, path.join(project.root, "artifacts", spec.artifact, ...o.split("/"))]));
    const notCached: StageState = entries.length === 0 ? "never run" : "stale";
    const stale = (reasons: readonly string[]): void => {
      states.set(name, notCached);
      out.push(statusOf(name, notCached, reasons, currentEntry, linkedOutputs(currentEntry)));
    };

    const staleUpstream = [...new Set(spec.deps.flatMap((d) => (d.kind === "output" && states.get(d.from) !== "cached" ? [d.from] : [])))];
    if (staleUpstream.length > 0) {
      stale(staleUpstream.map((u) => `upstream ${u} is ${states.get(u) === "never run" ? "not run yet" : "stale"}`));
      continue;
    }
    const keyed = await project.keys.resolve(spec, resolved);
    if (!keyed.ok) {
      stale([`cannot read ${path.relative(project.root, keyed.error.error.path)}: ${keyed.error.error.detail}`]);
      continue;
    }
    const { key, inputs } = keyed.value;
    const hit = await project.store.lookup(spec.base, key);
    if (!hit.ok) {
      const before = await previousInputs(project, spec);
      stale(before === undefined ? [] : staleReasons(before, inputs));
      continue;
    }
    resolved.set(name, hit.value);
    states.set(name, "cached");
    const isCurrent = currentKey === key;
    out.push(
      statusOf(
        name,
        "cached",
        isCurrent ? [] : ["an earlier entry matches: `dag run` restores it without running"],
        hit.value,
        isCurrent ? linkedOutputs(hit.value) : Object.fromEntries(spec.outs.map((o) => [o, path.join(hit.value.outDir, ...o.split("/"))])),
      ),
    );
  }
  await project.stats.save();
  return out;
}
