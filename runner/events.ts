// What a run reports as it goes: the executor emits RunEvents, reporters alone turn them into output.
import type { StageKey } from "../cache/digest.js";
import type { LockHolder } from "../cache/lock.js";
import type { WriteFailure } from "../cache/write-failure.js";

/**
 * Why a stage that ran did not produce an entry. `freeBytes` on a stage's own failure is set when
 * the disk holding `.dag/` was (nearly) full at the time: the likely cause; `logLost` when its log
 * could not be written to the end (the error code): its tail then comes from memory.
 */
export type StageFailure =
  | { readonly reason: "exit"; readonly exitCode: number; readonly logFile: string; readonly logTail: readonly string[]; readonly freeBytes?: number; readonly logLost?: string }
  | { readonly reason: "signal"; readonly signal: string; readonly logFile: string; readonly logTail: readonly string[]; readonly freeBytes?: number; readonly logLost?: string }
  | { readonly reason: "missing-outputs"; readonly missing: readonly string[]; readonly logFile: string; readonly logTail: readonly string[] }
  | { readonly reason: "spawn"; readonly message: string }
  | { readonly reason: "unreadable-input"; readonly path: string; readonly detail: string }
  | { readonly reason: "artifacts"; readonly path: string; readonly detail: string }
  /** The runner could not write the store (a full disk): the store is as it was before the stage. */
  | { readonly reason: "write-failed"; readonly failure: WriteFailure; readonly logFile: string | undefined }
  | { readonly reason: "interrupted"; readonly logFile: string }
  /** A cluster job that did not complete: its id, Slurm's state (FAILED, TIMEOUT, OUT_OF_MEMORY, CANCELLED, NODE_FAIL…), exit code and signal. */
  | {
      readonly reason: "cluster-job";
      readonly jobId: string;
      readonly state: string;
      readonly exitCode: number | undefined;
      readonly signal: number | undefined;
      readonly node: string | undefined;
      readonly logFile: string;
      readonly logTail: readonly string[];
    };

/** A cluster job's state as the scheduler reports it: `PENDING` (with Slurm's reason), `RUNNING` on a node. */
export interface ClusterJobState {
  readonly jobId: string;
  readonly state: string;
  readonly node: string | undefined;
  /** Slurm's reason for a pending job, e.g. `Resources`, `Priority`. */
  readonly reason: string | undefined;
}

export type RunEvent =
  /** The stages this run considers, in order; reporters draw one row each. */
  | { readonly type: "run-start"; readonly stages: readonly string[]; readonly dryRun: boolean; readonly headlines: Readonly<Record<string, readonly string[]>> }
  /** Another `dag run` holds the project lock; this one waits (`long`: still, after a long wait). */
  | { readonly type: "lock-wait"; readonly holder: LockHolder; readonly long: boolean; readonly lockFile: string }
  /** A stage's outputs were found in the cache: no process started. */
  | {
      readonly type: "stage-cached";
      readonly stage: string;
      readonly key: StageKey;
      readonly metrics: Readonly<Record<string, number>>;
      readonly restored: boolean;
      /** Set when the entry was just downloaded from the remote (`dag run --pull`) instead of computed. */
      readonly pulled?: { readonly bytes: number; readonly seconds: number };
    }
  /** A stage process started (or, in a dry run, would start) for these reasons. */
  | { readonly type: "stage-start"; readonly stage: string; readonly key: StageKey | undefined; readonly reasons: readonly string[] }
  | { readonly type: "stage-progress"; readonly stage: string; readonly done: number; readonly total: number; readonly phase?: string; readonly values?: Readonly<Record<string, number>> }
  /** A stage's cluster job was submitted or changed state. */
  | ({ readonly type: "stage-job"; readonly stage: string } & ClusterJobState)
  | { readonly type: "stage-metrics"; readonly stage: string; readonly values: Readonly<Record<string, number>> }
  | { readonly type: "stage-done"; readonly stage: string; readonly key: StageKey; readonly seconds: number; readonly metrics: Readonly<Record<string, number>> }
  | { readonly type: "stage-failed"; readonly stage: string; readonly failure: StageFailure }
  /** Not run because an upstream stage failed or the run was interrupted. */
  | { readonly type: "stage-skipped"; readonly stage: string; readonly because: string }
  | { readonly type: "warning"; readonly message: string }
  | { readonly type: "run-end"; readonly ran: number; readonly cached: number; readonly failed: number; readonly skipped: number; readonly seconds: number };

/** Where events go: the executor gets one of these injected and never prints. */
export type EmitEvent = (event: RunEvent) => void;
