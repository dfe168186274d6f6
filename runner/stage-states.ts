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
    const outputsOf = (entry: CacheEntry | undefined): Record<string, string> =>
      entry === undefined ? {} : Object.fromEntries(spec.outs.map((o) => [o, path.join(project.root, "artifacts", spec.artifact, ...o.split("/"))]));
    const staleUpstream = [...new Set(spec.deps.flatMap((d) => (d.kind === "output" && states.get(d.from) !== "cached" ? [d.from] : [])))];
    if (staleUpstream.length > 0) {
      const state: StageState = entries.length === 0 ? "never run" : "stale";
      states.set(name, state);
      const record = asEntryRecord(currentEntry?.manifest.record);
      out.push({
        name,
        state,
        reasons: staleUpstream.map((u) => `upstream ${u} is ${states.get(u) === "never run" ? "not run yet" : "stale"}`),
        outputs: outputsOf(currentEntry),
        metrics: record?.metrics ?? {},
        seconds: record?.seconds,
        meta: record?.meta ?? {},
      });
      continue;
    }
    const keyed = await project.keys.resolve(spec, resolved);
    if (!keyed.ok) {
      states.set(name, "stale");
      const record = asEntryRecord(currentEntry?.manifest.record);
      out.push({
        name,
        state: entries.length === 0 ? "never run" : "stale",
        reasons: [`cannot read ${path.relative(project.root, keyed.error.error.path)}: ${keyed.error.error.detail}`],
        outputs: outputsOf(currentEntry),
        metrics: record?.metrics ?? {},
        seconds: record?.seconds,
        meta: record?.meta ?? {},
      });
      continue;
    }
    const { key, inputs } = keyed.value;
    const hit = await project.store.lookup(spec.base, key);
    if (hit.ok) {
      resolved.set(name, hit.value);
      states.set(name, "cached");
      const record = asEntryRecord(hit.value.manifest.record);
      const isCurrent = currentKey === key;
      out.push({
        name,
        state: "cached",
        reasons: isCurrent ? [] : ["an earlier entry matches: `dag run` restores it without running"],
        outputs: isCurrent
          ? outputsOf(hit.value)
          : Object.fromEntries(spec.outs.map((o) => [o, path.join(hit.value.outDir, ...o.split("/"))])),
        metrics: record?.metrics ?? {},
        seconds: record?.seconds,
        meta: record?.meta ?? {},
      });
      continue;
    }
    const before = await previousInputs(project, spec);
    const state: StageState = entries.length === 0 ? "never run" : "stale";
    states.set(name, state);
    const record = asEntryRecord(currentEntry?.manifest.record);
    out.push({
      name,
      state,
      reasons: before === undefined ? [] : staleReasons(before, inputs),
      outputs: outputsOf(currentEntry),
      metrics: record?.metrics ?? {},
      seconds: record?.seconds,
      meta: record?.meta ?? {},
    });
  }
  await project.stats.save();
  return out;
}
