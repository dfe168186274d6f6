// The executor interface: how one stage's process is started and awaited (here or on a cluster); the store commit around it is the run's, in one place.
import type { Job, StageMessage } from "../../schemas/stage-contract.js";
import type { ClusterJobState } from "../events.js";
import type { StageProcessResult } from "../stage-process.js";
import type { ExecutorName, StageResources } from "./executor-config.js";

/** One stage to execute: its job, the pending entry's files, and where its reports go. */
export interface StageLaunch {
  /** The stage's name in the run (a sweep variant's full name): job names and messages use it. */
  readonly stage: string;
  readonly moduleAbs: string;
  readonly job: Job;
  /** The project root: the stage's working directory. */
  readonly cwd: string;
  /** The pending entry's folder (`.dag/tmp/…`): the job file, the log and, for a cluster job, its script and messages file. */
  readonly dir: string;
  readonly jobFile: string;
  readonly logFile: string;
  readonly resources: StageResources;
  /** Aborted on Ctrl-C: the stage is stopped (a cluster job cancelled) and the result is `interrupted`. */
  readonly signal: AbortSignal;
  readonly onMessage: (message: StageMessage) => void;
  /** A cluster job's id and state, each time it changes. */
  readonly onJob: (state: ClusterJobState) => void;
}

/** Runs stages; `run` never rejects for a stage's own failure (that is its result's `failure`). */
export interface StageExecutor {
  readonly name: ExecutorName;
  run(launch: StageLaunch): Promise<StageProcessResult>;
  /** Called once when the run ends: nothing of this executor is left running or leased. */
  close(): Promise<void>;
}
