// Says, for each stage, whether it is cached, stale (and why, in words) or never run, and where its link points, without changing anything.
import path from "node:path";
import type { CacheEntry } from "../cache/cache-entry.js";
import type { StageKey } from "../cache/digest.js";
import { readLinkTarget, type LinkTarget } from "./artifact-links.js";
import { resolveStage } from "./dag-walk.js";
import { asEntryRecord } from "./entry-record.js";
import { previousInputs } from "./previous-inputs.js";
import type { Project } from "./project.js";
import { staleReasons } from "./stale-reasons.js";

export type StageState = "cached" | "stale" | "never run";

/** What `dag status` shows: a StageState, or `in remote` (not here, but the default remote holds the entry). */
export type ShownState = StageState | "in remote";

/**
 * Where a stage's artifacts/ link points: at the entry the pipeline resolves to now (`current`),
 * at another entry of the stage (`other`: an earlier result; `dag run` re-links or re-runs), at
 * nothing (`none`), or somewhere that is not a complete entry (`broken`).
 */
export interface LinkStatus {
  /** The link as shown, relative to the project root: `artifacts/ridge`, `artifacts/@experiments/x.yaml/ridge`. */
  readonly path: string;
  /** The key of the entry it points at, when it points into the store. */
  readonly key: StageKey | null;
  readonly state: "current" | "other" | "none" | "broken";
}

export interface StageStatus {
  readonly name: string;
  readonly state: ShownState;
  /** Why the stage is stale, one sentence each; empty when cached. */
  readonly reasons: readonly string[];
  /** Declared output → absolute path of the current entry's file (under artifacts/STAGE/). */
  readonly outputs: Readonly<Record<string, string>>;
  /** Metrics of the entry that matches today's key, else of the last entry. */
  readonly metrics: Readonly<Record<string, number>>;
  /** The headline metrics the stage declares (names or patterns, pipeline.yaml `metrics:`). */
  readonly headline: readonly string[];
  /** Wall time of that entry's run, in seconds. */
  readonly seconds: number | undefined;
  /** Facts about how that entry was computed, e.g. the compute backend. */
  readonly meta: Readonly<Record<string, string | number | boolean>>;
  readonly link: LinkStatus;
  /** A damaged entry met on the way, in words (read-only commands report, `dag run` repairs). */
  readonly damage: string | undefined;
}

/** A status row whose metrics, timing and facts come from `entry` (the stage's current or matching one). */
function statusOf(
  name: string,
  headline: readonly string[],
  state: StageState,
  reasons: readonly string[],
  entry: CacheEntry | undefined,
  outputs: Record<string, string>,
  link: LinkStatus,
  damage: string | undefined,
): StageStatus {
  const record = asEntryRecord(entry?.manifest.record);
  return { name, state, reasons, outputs, metrics: record?.metrics ?? {}, headline, seconds: record?.seconds, meta: record?.meta ?? {}, link, damage };
}

/** The link's state against the key the pipeline resolves to now (undefined: it does not resolve to one). */
function linkStatus(shown: string, target: LinkTarget, resolvedKey: StageKey | undefined, complete: ReadonlySet<string>): LinkStatus {
  if (target.state === "none") return { path: shown, key: null, state: "none" };
  if (target.state === "foreign" || !complete.has(target.entryDir)) return { path: shown, key: target.state === "entry" ? target.key : null, state: "broken" };
  return { path: shown, key: target.key, state: target.key === resolvedKey ? "current" : "other" };
}

/** Walks the stages in order, resolving keys from upstream entries the way a run would, read-only. */
export async function stageStates(project: Project, stages: readonly string[]): Promise<StageStatus[]> {
  const resolved = new Map<string, CacheEntry>();
  const states = new Map<string, StageState>();
  const out: StageStatus[] = [];
  for (const name of stages) {
    const spec = project.pipeline.stages.get(name);
    if (spec === undefined) continue;
    const entries = await project.store.list(spec.base);
    const linkFile = path.join(project.links.dir, spec.artifact);
    const shownLink = path.relative(project.root, linkFile).split(path.sep).join("/");
    const target = await readLinkTarget(project.links, spec.artifact);
    const linkedKey = target.state === "entry" ? target.key : undefined;
    // A variant never linked yet has no entry of its own to show (the stage's newest may be another variant's).
    const currentEntry = entries.find((e) => e.key === linkedKey) ?? (spec.artifact === spec.base ? entries[entries.length - 1] : undefined);
    const linkedOutputs = (entry: CacheEntry | undefined): Record<string, string> =>
      entry === undefined ? {} : Object.fromEntries(spec.outs.map((o) => [o, path.join(linkFile, ...o.split("/"))]));
    const notCached: StageState = entries.length === 0 ? "never run" : "stale";
    const complete = new Set<string>();
    if (target.state === "entry") {
      const behind = await project.store.inspect(target.stage, target.key);
      if (behind.ok) complete.add(behind.value.dir);
      // The link may show an older copy of the same entry (a forced re-run was interrupted): complete too.
      if (behind.ok && behind.value.dir !== target.entryDir) complete.add(target.entryDir);
    }
    const stale = (reasons: readonly string[], resolvedKey: StageKey | undefined, damage?: string): void => {
      states.set(name, notCached);
      out.push(statusOf(name, spec.metrics, notCached, reasons, currentEntry, linkedOutputs(currentEntry), linkStatus(shownLink, target, resolvedKey, complete), damage));
    };

    const resolution = await resolveStage(project, spec, resolved, "inspect");
    if (resolution.kind === "waiting") {
      stale(resolution.upstream.map((u) => `upstream ${u} is ${states.get(u) === "never run" ? "not run yet" : "stale"}`), undefined);
      continue;
    }
    if (resolution.kind === "unhashable") {
      stale([`cannot read ${path.relative(project.root, resolution.error.path)}: ${resolution.error.detail}`], undefined);
      continue;
    }
    if (resolution.kind === "missing") {
      const before = await previousInputs(project, spec);
      const damage = resolution.damaged === undefined ? undefined : `${spec.base}: entry ${resolution.key.slice(0, 10)}… is damaged (${resolution.damaged.summary}); dag run will recompute it`;
      stale(before === undefined ? [] : staleReasons(before, resolution.inputs), resolution.key, damage);
      continue;
    }
    const { key, entry } = resolution;
    resolved.set(name, entry);
    states.set(name, "cached");
    complete.add(entry.dir);
    const link = linkStatus(shownLink, target, key, complete);
    const isCurrent = link.state === "current";
    out.push(
      statusOf(
        name,
        spec.metrics,
        "cached",
        isCurrent ? [] : ["an earlier entry matches: `dag run` restores it without running"],
        entry,
        isCurrent ? linkedOutputs(entry) : Object.fromEntries(spec.outs.map((o) => [o, path.join(entry.outDir, ...o.split("/"))])),
        link,
        undefined,
      ),
    );
  }
  return out;
}
