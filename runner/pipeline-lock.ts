// The lock file (`dag.lock` beside pipeline.yaml): per stage and sweep variant, its key, what went into it in short, its outputs and headline metrics; deterministic text meant for git.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse, stringify } from "yaml";
import { writeFileAtomic } from "../cache/atomic-write.js";
import type { CacheEntry } from "../cache/cache-entry.js";
import { err, ok, type Result } from "../cache/result.js";
import { isWriteError } from "../cache/write-failure.js";
import type { ContentHash, StageKey } from "../cache/digest.js";
import { headlineMetrics } from "./declarations.js";
import { resolvePipeline, type ResolvedStage } from "./dag-walk.js";
import { asEntryRecord } from "./entry-record.js";
import { topoOrder } from "./graph.js";
import type { StageSpec } from "./pipeline.js";
import { withPipeline, type Project } from "./project.js";
import { expandSweep } from "./sweep.js";

/** Bump when the meaning of a field changes. */
export const LOCK_VERSION = 1;

/** What the lock says about one stage (or sweep variant): enough to tell which entry it was and what it made. */
export interface LockedStage {
  /** The stage's name in pipeline.yaml (differs from the lock's row name for a sweep variant). */
  readonly stage: string;
  /** The entry's cache key (`.dag/entries/<stage>/<key>`, and the remote's). */
  readonly key: StageKey;
  /** The stage's resolved params, as they went into the key. */
  readonly params: Readonly<Record<string, unknown>>;
  /** Input name → `STAGE:OUT` or workspace path, and its content hash. */
  readonly inputs: Readonly<Record<string, { readonly ref: string; readonly hash: ContentHash }>>;
  /** Code file → its content hash (or absent), as in the key. */
  readonly code: Readonly<Record<string, string>>;
  /** Declared output → hash and size, from the entry's manifest. */
  readonly outputs: Readonly<Record<string, { readonly hash: ContentHash; readonly size: number }>>;
  /** The headline metrics the stage declares (or its first three). */
  readonly metrics: Readonly<Record<string, number>>;
}

export interface PipelineLock {
  readonly version: number;
  /** Row name (a stage, or a variant such as `ridge[alpha=0.01]`) → what it is locked at. */
  readonly stages: Readonly<Record<string, LockedStage>>;
}

/**
 * Where the lock of a pipeline file lives: `pipeline.yaml` (or `.yml`) → `dag.lock` in its folder;
 * any other file → its name with the extension replaced, `experiments/wide.yaml` → `experiments/wide.lock`.
 */
export function lockFileOf(pipelineFile: string): string {
  const dir = path.dirname(pipelineFile);
  const base = path.basename(pipelineFile);
  if (base === "pipeline.yaml" || base === "pipeline.yml") return path.join(dir, "dag.lock");
  return path.join(dir, `${base.replace(/\.ya?ml$/, "")}.lock`);
}

/** The lock row of a stage that resolved to `entry`. */
export function lockedStage(spec: StageSpec, entry: CacheEntry): LockedStage | undefined {
  const record = asEntryRecord(entry.manifest.record);
  if (record === undefined) return undefined;
  const metrics = record.metrics;
  const headline = headlineMetrics(Object.keys(metrics), spec.metrics);
  return {
    stage: spec.base,
    key: entry.key,
    params: record.inputs.params,
    inputs: record.inputs.inputs,
    code: record.inputs.code,
    outputs: Object.fromEntries(Object.entries(entry.manifest.outputs).map(([name, out]) => [name, { hash: out.hash, size: out.size }])),
    metrics: Object.fromEntries(headline.map((name) => [name, metrics[name] as number])),
  };
}

/**
 * The new lock after a run: every stage of `order` that resolves to an entry, fresh; a stage that
 * does not (it failed, or was not selected) keeps its row from `previous`; stages the pipeline no
 * longer has are dropped.
 */
export function nextLock(order: readonly string[], resolved: ReadonlyMap<string, ResolvedStage>, previous: PipelineLock | undefined): PipelineLock {
  const stages: Record<string, LockedStage> = {};
  for (const name of order) {
    const r = resolved.get(name);
    const fresh = r?.entry === undefined ? undefined : lockedStage(r.spec, r.entry);
    const kept = fresh ?? previous?.stages[name];
    if (kept !== undefined) stages[name] = kept;
  }
  return { version: LOCK_VERSION, stages };
}

const HEADER = "# dag.lock: what each stage was built from and what it made (written by `dag run`; commit it).\n";

/** The lock as text: keys sorted at every level, no timestamps, so an unchanged pipeline gives the same bytes. */
export function formatLock(lock: PipelineLock): string {
  return HEADER + stringify(sortDeep(lock), { lineWidth: 0, sortMapEntries: true });
}

/** Reads a lock file; undefined when there is none or it cannot be read as one (it is then rewritten whole). */
export async function readLock(file: string): Promise<PipelineLock | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return undefined;
  }
  try {
    const value = parse(text) as Partial<PipelineLock> | null;
    if (value === null || typeof value !== "object" || value.version !== LOCK_VERSION || typeof value.stages !== "object" || value.stages === null) return undefined;
    return value as PipelineLock;
  } catch {
    return undefined;
  }
}

/** Writes the lock when its text changed (a no-op run leaves the file untouched); true when it wrote. */
export async function writeLock(file: string, lock: PipelineLock): Promise<boolean> {
  const text = formatLock(lock);
  let before: string | undefined;
  try {
    before = await readFile(file, "utf8");
  } catch {
    before = undefined;
  }
  if (before === text) return false;
  await writeFileAtomic(file, text);
  return true;
}

function sortDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortDeep);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortDeep((value as Record<string, unknown>)[k])]),
  );
}

/**
 * After a run: resolves the pipeline file as written (sweep expanded, no `--set`) read-only and
 * writes its lock when it changed. The name of the lock file relative to the root, and whether it was written.
 */
export async function refreshLock(project: Project): Promise<Result<{ readonly file: string; readonly written: boolean }, string>> {
  const file = lockFileOf(project.pipeline.file);
  const filed = withPipeline(project, expandSweep(project.pipeline));
  const order = topoOrder(filed.pipeline);
  const resolved = await resolvePipeline(filed, order);
  try {
    return ok({ file, written: await writeLock(file, nextLock(order, resolved, await readLock(file))) });
  } catch (error) {
    // The lock is a by-product: a read-only checkout or a full disk never fails the run.
    if (!isWriteError(error)) throw error;
    return err(`${path.relative(project.root, file)} was not updated (${error.code ?? "error"}: ${error.message})`);
  }
}
