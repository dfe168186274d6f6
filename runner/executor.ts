// Runs a selection of stages in dependency order: cache hits start nothing, misses run as child
// processes into temporary folders that become cache entries only when they succeed; one key runs once.
import path from "node:path";
import type { CacheEntry } from "../cache/cache-entry.js";
import type { StageKey } from "../cache/digest.js";
import { freeBytesAt, isWriteError, writeFailureOf } from "../cache/write-failure.js";
import { linkEntry, readLinkTarget, type LinkError } from "./artifact-links.js";
import { resolveStage } from "./dag-walk.js";
import { asEntryRecord, type EntryRecord } from "./entry-record.js";
import type { EmitEvent, StageFailure } from "./events.js";
import { previousInputs } from "./previous-inputs.js";
import type { Project } from "./project.js";
import type { StageSpec } from "./pipeline.js";
import type { FanInInput, Job } from "../schemas/stage-contract.js";
import { retireCopies } from "./store-repair.js";
import { localExecutor } from "./executors/local.js";
import type { StageExecutor } from "./executors/stage-executor.js";
import { outputPaths } from "./stage-process.js";
import { staleReasons } from "./stale-reasons.js";
import type { KeyInputs } from "./stage-key.js";

export interface RunOptions {
  /** The stages to consider, in topological order, upstream closure included. */
  readonly stages: readonly string[];
  /** Re-run stages even when their entry is cached: all of them (true) or those named (force-plan.ts). */
  readonly force: boolean | ReadonlySet<string>;
  /** Say what would run and why; start nothing, write nothing. */
  readonly dryRun: boolean;
  /** How many stage processes may run at once. */
  readonly jobs: number;
  /** Aborted on Ctrl-C: running stages are stopped, nothing new starts. */
  readonly signal: AbortSignal;
  /** Where stages run (default: local child processes); the commit around each is the same. */
  readonly executor?: StageExecutor;
  /** Read-through (`--pull`): asked for a local miss before the stage runs; an entry it returns is used instead of computing. */
  readonly readThrough?: (spec: StageSpec, key: StageKey) => Promise<PulledEntry | undefined>;
  /** Write-through (`--push`): handed each entry a stage computed or found cached, before downstream stages start. */
  readonly writeThrough?: (spec: StageSpec, entry: CacheEntry) => Promise<void>;
}

/** An entry read-through brought into the store, and what it took. */
export interface PulledEntry {
  readonly entry: CacheEntry;
  readonly bytes: number;
  readonly seconds: number;
}

export interface RunSummary {
  readonly ran: number;
  readonly cached: number;
  readonly failed: number;
  readonly skipped: number;
  readonly interrupted: boolean;
}

type Outcome = "done" | "cached" | "failed" | "skipped" | "would-run";

/** Below this much free space on the disk holding `.dag/`, a stage's failure is put down to the full disk. */
const FULL_DISK_BYTES = 1024 * 1024;

/** Why a stage will run, in words. */
async function runReasons(project: Project, stage: StageSpec, inputs: KeyInputs, forced: boolean): Promise<string[]> {
  if (forced) return ["--force"];
  const before = await previousInputs(project, stage);
  return before === undefined ? ["never run"] : staleReasons(before, inputs);
}

export async function executeRun(project: Project, options: RunOptions, emit: EmitEvent): Promise<RunSummary> {
  const started = performance.now();
  const { pipeline } = project;
  const outcome = new Map<string, Outcome>();
  const resolved = new Map<string, CacheEntry>();
  /** `stage\0key` → the run computing that entry in this run: variants that resolve to one key run it once. */
  const computing = new Map<string, Promise<CacheEntry | undefined>>();
  const pending = [...options.stages];
  const running = new Map<string, Promise<void>>();
  const headlines = Object.fromEntries(options.stages.map((name) => [name, pipeline.stages.get(name)?.metrics ?? []]));
  emit({ type: "run-start", stages: options.stages, dryRun: options.dryRun, headlines });

  const specOf = (name: string): StageSpec => {
    const spec = pipeline.stages.get(name);
    if (spec === undefined) throw new Error(`internal: unknown stage ${name}`);
    return spec;
  };
  const upstreamOf = (spec: StageSpec): string[] => [...new Set(spec.deps.flatMap((d) => (d.kind === "output" ? [d.from] : [])))];
  const fail = (name: string, failure: StageFailure): void => {
    outcome.set(name, "failed");
    emit({ type: "stage-failed", stage: name, failure });
  };
  /** Points the stage's link at `entry` and records it as the stage's result; false (reported) when the link cannot be made. */
  const settleOn = async (spec: StageSpec, entry: CacheEntry): Promise<boolean> => {
    const linked = await linkEntry(project.links, spec.artifact, entry);
    if (!linked.ok) {
      fail(spec.name, linkFailure(linked.error));
      return false;
    }
    resolved.set(spec.name, entry);
    return true;
  };

  const settle = async (name: string): Promise<void> => {
    const spec = specOf(name);
    const forced = options.force === true || (options.force !== false && options.force.has(name));
    const ups = upstreamOf(spec);
    const blocked = ups.find((u) => outcome.get(u) === "failed" || outcome.get(u) === "skipped");
    if (blocked !== undefined) {
      outcome.set(name, "skipped");
      emit({ type: "stage-skipped", stage: name, because: `upstream ${blocked} ${outcome.get(blocked) === "failed" ? "failed" : "did not run"}` });
      return;
    }
    const resolution = await resolveStage(project, spec, resolved, forced ? "skip" : options.dryRun ? "inspect" : "repair");
    if (resolution.kind === "waiting") {
      // Only in a dry run: upstream stages that would run have no entry to key this one from.
      outcome.set(name, "would-run");
      emit({ type: "stage-start", stage: name, key: undefined, reasons: resolution.upstream.map((u) => `upstream ${u} will run`) });
      return;
    }
    if (resolution.kind === "unhashable") {
      fail(name, { reason: "unreadable-input", path: resolution.error.path, detail: resolution.error.detail });
      return;
    }
    const { key, inputs } = resolution;
    if (resolution.kind === "cached") {
      const before = await readLinkTarget(project.links, spec.artifact);
      const restored = before.state !== "entry" || before.key !== key;
      if (!options.dryRun && !(await settleOn(spec, resolution.entry))) return;
      if (options.dryRun) resolved.set(name, resolution.entry);
      outcome.set(name, "cached");
      emit({ type: "stage-cached", stage: name, key, metrics: asEntryRecord(resolution.entry.manifest.record)?.metrics ?? {}, restored });
      if (!options.dryRun) await options.writeThrough?.(spec, resolution.entry);
      return;
    }
    if (resolution.damaged !== undefined) {
      emit({ type: "warning", message: `stage ${name}: cache entry ${key} is corrupt (${resolution.damaged.detail}); it was moved aside and the stage re-runs` });
    }
    const id = `${spec.base}\0${key}`;
    const twin = computing.get(id);
    if (twin !== undefined && !options.dryRun) {
      // Another variant resolves to the very same key: its run is this stage's run.
      const entry = await twin;
      if (entry === undefined) {
        outcome.set(name, "skipped");
        emit({ type: "stage-skipped", stage: name, because: "the variant computing the same entry failed" });
        return;
      }
      if (!(await settleOn(spec, entry))) return;
      outcome.set(name, "cached");
      emit({ type: "stage-cached", stage: name, key, metrics: asEntryRecord(entry.manifest.record)?.metrics ?? {}, restored: true });
      return;
    }
    if (options.dryRun) {
      emit({ type: "stage-start", stage: name, key, reasons: await runReasons(project, spec, inputs, forced) });
      outcome.set(name, "would-run");
      return;
    }
    // Claimed before anything is awaited, so a variant settling alongside finds it.
    let finish: (entry: CacheEntry | undefined) => void = () => undefined;
    computing.set(id, new Promise((resolve) => (finish = resolve)));
    let entry: CacheEntry | undefined;
    let pulled: PulledEntry | undefined;
    try {
      pulled = forced ? undefined : await options.readThrough?.(spec, key);
      if (pulled !== undefined) {
        if (await settleOn(spec, pulled.entry)) entry = pulled.entry;
      } else {
        emit({ type: "stage-start", stage: name, key, reasons: await runReasons(project, spec, inputs, forced) });
        entry = await runOne(project, spec, key, inputs, resolved, forced, options.signal, options.executor ?? localExecutor, emit);
      }
    } finally {
      finish(entry);
    }
    if (pulled !== undefined) {
      if (entry === undefined) return;
      outcome.set(name, "cached");
      const metrics = asEntryRecord(entry.manifest.record)?.metrics ?? {};
      emit({ type: "stage-cached", stage: name, key, metrics, restored: true, pulled: { bytes: pulled.bytes, seconds: pulled.seconds } });
      return;
    }
    if (entry === undefined) {
      outcome.set(name, "failed");
      return;
    }
    resolved.set(name, entry);
    outcome.set(name, "done");
    await options.writeThrough?.(spec, entry);
  };

  while (pending.length > 0 || running.size > 0) {
    if (options.signal.aborted) break;
    const ready = pending.filter((name) => upstreamOf(specOf(name)).every((u) => outcome.has(u) || !options.stages.includes(u)));
    for (const name of ready) {
      if (running.size >= options.jobs) break;
      pending.splice(pending.indexOf(name), 1);
      const task = settle(name)
        .catch(async (error: unknown) => {
          if (isWriteError(error)) fail(name, { reason: "write-failed", failure: await writeFailureOf(project.dagDir, error), logFile: undefined });
          else fail(name, { reason: "spawn", message: error instanceof Error ? error.message : String(error) });
        })
        .finally(() => running.delete(name));
      running.set(name, task);
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  await Promise.all(running.values());
  for (const name of pending) {
    outcome.set(name, "skipped");
    emit({ type: "stage-skipped", stage: name, because: options.signal.aborted ? "the run was interrupted" : "not reached" });
  }
  if (!options.dryRun) {
    const saved = await project.stats.save();
    if (!saved.ok) emit({ type: "warning", message: `the stat cache was not saved (${saved.error.detail} writing ${path.relative(project.root, saved.error.path)}); the next run re-hashes unchanged files once` });
  }

  const count = (o: Outcome): number => [...outcome.values()].filter((v) => v === o).length;
  const summary = {
    ran: count("done"),
    cached: count("cached"),
    failed: count("failed"),
    skipped: count("skipped"),
    interrupted: options.signal.aborted,
  };
  emit({ type: "run-end", ran: summary.ran, cached: summary.cached, failed: summary.failed, skipped: summary.skipped, seconds: (performance.now() - started) / 1000 });
  return summary;
}

/** Runs one stage into a pending entry and commits it; undefined when it failed (already reported). */
async function runOne(
  project: Project,
  spec: StageSpec,
  key: StageKey,
  inputs: KeyInputs,
  resolved: ReadonlyMap<string, CacheEntry>,
  force: boolean,
  signal: AbortSignal,
  executor: StageExecutor,
  emit: EmitEvent,
): Promise<CacheEntry | undefined> {
  const failed = (failure: StageFailure): undefined => {
    emit({ type: "stage-failed", stage: spec.name, failure });
    return undefined;
  };
  const begun = await project.store.begin(spec.base, key);
  if (!begun.ok) return failed({ reason: "write-failed", failure: begun.error, logFile: undefined });
  const pending = begun.value;
  const deps: Record<string, string> = {};
  const fanIn: Record<string, FanInInput[]> = {};
  for (const dep of spec.deps) {
    if (dep.kind === "output") {
      const upstream = resolved.get(dep.from);
      if (upstream === undefined) throw new Error(`internal: ${spec.name} started before ${dep.from}`);
      const file = path.join(upstream.outDir, ...dep.out.split("/"));
      if (dep.member === undefined) deps[dep.name] = file;
      else (fanIn[dep.member.input] ??= []).push({ stage: dep.from, variant: dep.member.variant, params: project.pipeline.stages.get(dep.from)?.params ?? {}, path: file });
    } else {
      deps[dep.name] = path.join(project.root, ...dep.path.split("/"));
    }
  }
  const job: Job = {
    stage: spec.base,
    params: spec.params,
    deps,
    outDir: pending.outDir,
    outs: outputPaths(pending.outDir, spec.outs),
    seed: spec.seed,
    ...(Object.keys(fanIn).length > 0 ? { fanIn } : {}),
  };
  const startedAt = new Date().toISOString();
  let result;
  try {
    result = await executor.run({
      stage: spec.name,
      moduleAbs: path.join(project.root, spec.module),
      job,
      cwd: project.root,
      dir: pending.dir,
      jobFile: path.join(pending.dir, "job.json"),
      logFile: pending.logFile,
      resources: spec.resources ?? {},
      signal,
      onMessage: (message) => {
        if (message.type === "progress") emit({ ...message, type: "stage-progress", stage: spec.name });
        else if (message.type === "metrics") emit({ type: "stage-metrics", stage: spec.name, values: message.values });
      },
      onJob: (state) => emit({ type: "stage-job", stage: spec.name, ...state }),
    });
  } catch (error) {
    if (!isWriteError(error)) throw error;
    const failure = await writeFailureOf(pending.dir, error);
    return failed({ reason: "write-failed", failure, logFile: await project.store.discard(pending) });
  }
  if (result.failure !== undefined) {
    const logFile = await project.store.discard(pending);
    const free = result.failure.reason === "exit" || result.failure.reason === "signal" ? await freeBytesAt(project.dagDir) : undefined;
    const full = free !== undefined && free < FULL_DISK_BYTES ? { freeBytes: free } : {};
    return failed({ ...withLog(result.failure, logFile), ...full } as StageFailure);
  }
  const record: EntryRecord = {
    inputs,
    metrics: result.metrics,
    meta: result.meta,
    seconds: result.seconds,
    startedAt,
    finishedAt: new Date().toISOString(),
  };
  // A forced re-run replaces the entry it re-computed: its outputs and timing are the ones asked for.
  const committed = await project.store.commit(pending, spec.outs, record, { replace: force });
  if (!committed.ok) {
    const error = committed.error;
    if (error.reason === "write-failed") return failed({ reason: "write-failed", failure: error.failure, logFile: error.logFile });
    const missing = error.reason === "missing-outputs" ? error.missing : error.invalid.map((i) => `${i.output} (${i.detail})`);
    return failed({ reason: "missing-outputs", missing, logFile: error.logFile, logTail: [] });
  }
  const linked = await linkEntry(project.links, spec.artifact, committed.value);
  if (!linked.ok) return failed(linkFailure(linked.error));
  // Only now that the link shows the new copy can the copies it replaced go (links elsewhere are moved first).
  const retired = await retireCopies(project, committed.value, committed.value.superseded);
  if (!retired.ok) emit({ type: "warning", message: `stage ${spec.name}: an older copy of its entry stays until the next run (${retired.error.detail})` });
  emit({ type: "stage-done", stage: spec.name, key, seconds: result.seconds, metrics: result.metrics });
  return committed.value;
}

/** A link that could not be made, as a stage failure. */
function linkFailure(error: LinkError): StageFailure {
  if (error.reason === "write-failed") return { reason: "write-failed", failure: error, logFile: undefined };
  return { reason: "artifacts", path: error.path, detail: error.detail };
}

/** Points a failure at the log's final resting place (the pending folder is gone by then). */
function withLog(failure: StageFailure, logFile: string): StageFailure {
  return "logFile" in failure ? { ...failure, logFile } : failure;
}
