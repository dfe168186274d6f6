// What a run reports as it goes: the executor emits RunEvents, reporters alone turn them into output.
import type { StageKey } from "../cache/digest.js";

/** Why a stage that ran did not produce an entry: part of the stage contract. */
export type { StageFailure } from "../schemas/stage-contract.js";
import type { StageFailure } from "../schemas/stage-contract.js";

export type RunEvent =
  /** The stages this run considers, in order; reporters draw one row each. */
  | { readonly type: "run-start"; readonly stages: readonly string[]; readonly dryRun: boolean }
  /** Another `dag run` holds the project lock; this one waits. */
  | { readonly type: "lock-wait"; readonly holderPid: number; readonly since: string }
  /** A stage's outputs were found in the cache: no process started. */
  | { readonly type: "stage-cached"; readonly stage: string; readonly key: StageKey; readonly metrics: Readonly<Record<string, number>>; readonly restored: boolean }
  /** A stage process started (or, in a dry run, would start) for these reasons. */
  | { readonly type: "stage-start"; readonly stage: string; readonly key: StageKey | undefined; readonly reasons: readonly string[] }
  | { readonly type: "stage-progress"; readonly stage: string; readonly done: number; readonly total: number; readonly phase?: string; readonly values?: Readonly<Record<string, number>> }
  | { readonly type: "stage-metrics"; readonly stage: string; readonly values: Readonly<Record<string, number>> }
  | { readonly type: "stage-done"; readonly stage: string; readonly key: StageKey; readonly seconds: number; readonly metrics: Readonly<Record<string, number>> }
  | { readonly type: "stage-failed"; readonly stage: string; readonly failure: StageFailure }
  /** Not run because an upstream stage failed or the run was interrupted. */
  | { readonly type: "stage-skipped"; readonly stage: string; readonly because: string }
  | { readonly type: "warning"; readonly message: string }
  | { readonly type: "run-end"; readonly ran: number; readonly cached: number; readonly failed: number; readonly skipped: number; readonly seconds: number };

/** Where events go: the executor gets one of these injected and never prints. */
export type EmitEvent = (event: RunEvent) => void;
