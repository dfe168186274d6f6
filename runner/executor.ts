// Runs a selection of stages in dependency order: cache hits start nothing, misses run as child
// processes into temporary folders that become cache entries only when they succeed.
import path from "node:path";
import type { CacheEntry } from "../cache/cache-entry.js";
import type { StageKey } from "../cache/digest.js";
import { asEntryRecord, type EntryRecord } from "./entry-record.js";
import { previousInputs } from "./previous-inputs.js";
import type { EmitEvent, StageFailure } from "./events.js";
import type { Project } from "./project.js";
import type { StageSpec } from "./pipeline.js";
import type { Job } from "../schemas/stage-contract.js";
import { outputPaths, runStageProcess } from "./stage-process.js";
import { staleReasons } from "./stale-reasons.js";
import type { KeyInputs } from "./stage-key.js";

export interface RunOptions {
  /** The stages to consider, in topological order, upstream closure included. */
  readonly stages: readonly string[];
  /** Re-run these stages even when their entry is cached. */
  readonly force: boolean;
  /** Say what would run and why; start nothing, write nothing. */
  readonly dryRun: boolean;
  /** How many stage processes may run at once. */
  readonly jobs: number;
  /** Aborted on Ctrl-C: running stages are stopped, nothing new starts. */
  readonly signal: AbortSignal;
}

export interface RunSummary {
  readonly ran: number;
  readonly cached: number;
  readonly failed: number;
  readonly skipped: number;
  readonly interrupted: boolean;
}

type Outcome = "done" | "cached" | "failed" | "skipped" | "would-run";

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
  const pending = [...options.stages];
  const running = new Map<string, Promise<void>>();
  emit({ type: "run-start", stages: options.stages, dryRun: options.dryRun });

  const specOf = (name: string): StageSpec => {
    const spec = pipeline.stages.get(name);
    if (spec === undefined) throw new Error(`internal: unknown stage ${name}`);
    return spec;
  };
  const upstreamOf = (spec: StageSpec): string[] => [
    ...new Set(spec.deps.flatMap((d) => (d.kind === "output" ? [d.from] : []))),
  ];

  const settle = async (name: string): Promise<void> => {
    const spec = specOf(name);
    const ups = upstreamOf(spec);
    const blocked = ups.find((u) => outcome.get(u) === "failed" || outcome.get(u) === "skipped");
    if (blocked !== undefined) {
      outcome.set(name, "skipped");
      emit({ type: "stage-skipped", stage: name, because: `upstream ${blocked} ${outcome.get(blocked) === "failed" ? "failed" : "did not run"}` });
      return;
    }
    const willRun = ups.filter((u) => outcome.get(u) === "would-run");
    if (willRun.length > 0) {
      outcome.set(name, "would-run");
      emit({ type: "stage-start", stage: name, key: undefined, reasons: willRun.map((u) => `upstream ${u} will run`) });
      return;
    }
    const keyed = await project.keys.resolve(spec, resolved);
    if (!keyed.ok) {
      outcome.set(name, "failed");
      emit({ type: "stage-failed", stage: name, failure: { reason: "unreadable-input", path: keyed.error.error.path, detail: keyed.error.error.detail } });
      return;
    }
    const { key, inputs } = keyed.value;
    if (!options.force) {
      const hit = await project.store.lookup(spec.base, key);
      if (hit.ok) {
        const restored = (await project.store.getCurrent(spec.artifact)) !== key;
        if (!options.dryRun) {
          const linked = await project.store.setCurrent(project.root, spec.base, hit.value, spec.artifact);
          if (!linked.ok) {
            outcome.set(name, "failed");
            emit({ type: "stage-failed", stage: name, failure: { reason: "artifacts", path: linked.error.path, detail: linked.error.detail } });
            return;
          }
        }
        resolved.set(name, hit.value);
        outcome.set(name, "cached");
        emit({ type: "stage-cached", stage: name, key, metrics: asEntryRecord(hit.value.manifest.record)?.metrics ?? {}, restored });
        return;
      }
      if (hit.error.reason === "corrupt") {
        emit({ type: "warning", message: `stage ${name}: cache entry ${key} is corrupt (${hit.error.detail}); it was moved aside and the stage re-runs` });
      }
    }
    const reasons = await runReasons(project, spec, inputs, options.force);
    emit({ type: "stage-start", stage: name, key, reasons });
    if (options.dryRun) {
      outcome.set(name, "would-run");
      return;
    }
    const entry = await runOne(project, spec, key, inputs, resolved, options.force, options.signal, emit);
    if (entry === undefined) {
      outcome.set(name, "failed");
      return;
    }
    resolved.set(name, entry);
    outcome.set(name, "done");
  };

  while (pending.length > 0 || running.size > 0) {
    if (options.signal.aborted) break;
    const ready = pending.filter((name) => upstreamOf(specOf(name)).every((u) => outcome.has(u) || !options.stages.includes(u)));
    for (const name of ready) {
      if (running.size >= options.jobs) break;
      pending.splice(pending.indexOf(name), 1);
      const task = settle(name)
        .catch((error: unknown) => {
          outcome.set(name, "failed");
          emit({ type: "stage-failed", stage: name, failure: { reason: "spawn", message: error instanceof Error ? error.message : String(error) } });
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
  await project.stats.save();

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
  emit: EmitEvent,
): Promise<CacheEntry | undefined> {
  const pending = await project.store.begin(spec.base, key);
  const deps: Record<string, string> = {};
  for (const dep of spec.deps) {
    if (dep.kind === "output") {
      const upstream = resolved.get(dep.from);
      if (upstream === undefined) throw new Error(`internal: ${spec.name} started before ${dep.from}`);
      deps[dep.name] = path.join(upstream.outDir, ...dep.out.split("/"));
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
  };
  const startedAt = new Date().toISOString();
  const result = await runStageProcess({
    moduleAbs: path.join(project.root, spec.module),
    job,
    cwd: project.root,
    jobFile: path.join(pending.dir, "job.json"),
    logFile: pending.logFile,
    signal,
    onMessage: (message) => {
      if (message.type === "progress") emit({ ...message, type: "stage-progress", stage: spec.name });
      else if (message.type === "metrics") emit({ type: "stage-metrics", stage: spec.name, values: message.values });
    },
  });
  if (result.failure !== undefined) {
    const logFile = await project.store.discard(pending);
    emit({ type: "stage-failed", stage: spec.name, failure: withLog(result.failure, logFile) });
    return undefined;
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
    const logFile = await project.store.discard(pending);
    const missing = committed.error.reason === "missing-outputs" ? committed.error.missing : [];
    emit({ type: "stage-failed", stage: spec.name, failure: { reason: "missing-outputs", missing, logFile, logTail: [] } });
    return undefined;
  }
  const linked = await project.store.setCurrent(project.root, spec.base, committed.value, spec.artifact);
  if (!linked.ok) {
    emit({ type: "stage-failed", stage: spec.name, failure: { reason: "artifacts", path: linked.error.path, detail: linked.error.detail } });
    return undefined;
  }
  emit({ type: "stage-done", stage: spec.name, key, seconds: result.seconds, metrics: result.metrics });
  return committed.value;
}

/** Points a failure at the log's final resting place (the pending folder is gone by then). */
function withLog(failure: StageFailure, logFile: string): StageFailure {
  return "logFile" in failure ? { ...failure, logFile } : failure;
}
