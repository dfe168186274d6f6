// Follows a run's Slurm jobs with one squeue call a poll for all of them, and asks sacct (or scontrol) how each one ended.
import { finalState, isFinal, queueStates, type JobInfo } from "./slurm-client.js";

/**
 * How often squeue is asked about the run's jobs: a tenth of the youngest job's age, within these
 * bounds, so a short job is seen ending soon after it does, and a long one costs the scheduler
 * one query every few seconds (a shared cluster's controller serves everyone).
 */
const POLL_MIN_MS = 250;
const POLL_MAX_MS = 5000;
/** How long a job may be missing from squeue with no end on record before it is reported as lost. */
const LOST_AFTER_MS = 120_000;
/** How long to wait for sacct or scontrol to record the exit code of a job squeue says has ended. */
const EXIT_CODE_WAIT_MS = 15_000;

interface Watch {
  readonly onState: (info: JobInfo) => void;
  readonly resolve: (info: JobInfo) => void;
  last: JobInfo | undefined;
  readonly since: number;
  /** When squeue first stopped showing it as in flight (ended or forgotten). */
  endedSince: number | undefined;
}

export class JobTracker {
  private readonly watched = new Map<string, Watch>();
  private timer: NodeJS.Timeout | undefined;

  /** Resolves with the job's final state; `onState` hears every change of state, node or reason before that. */
  watch(jobId: string, onState: (info: JobInfo) => void): Promise<JobInfo> {
    return new Promise((resolve) => {
      this.watched.set(jobId, { onState, resolve, last: undefined, endedSince: undefined, since: Date.now() });
      if (this.timer === undefined) this.schedule();
    });
  }

  /** Polls again after a tenth of the youngest job's age (bounded); stops when no job is left. */
  private schedule(): void {
    if (this.watched.size === 0) {
      this.timer = undefined;
      return;
    }
    const youngest = Math.min(...[...this.watched.values()].map((w) => Date.now() - w.since));
    const delay = Math.min(POLL_MAX_MS, Math.max(POLL_MIN_MS, youngest / 10));
    this.timer = setTimeout(() => void this.poll().catch(() => undefined).finally(() => this.schedule()), delay);
  }

  /** The jobs still in flight. */
  get inFlight(): string[] {
    return [...this.watched.keys()];
  }

  private async poll(): Promise<void> {
    const queued = await queueStates([...this.watched.keys()]);
    for (const [jobId, watch] of this.watched) {
      const info = queued.ok ? queued.value.get(jobId) : watch.last;
      if (info !== undefined && !isFinal(info.state)) {
        watch.endedSince = undefined;
        if (watch.last?.state !== info.state || watch.last.node !== info.node || watch.last.reason !== info.reason) watch.onState(info);
        watch.last = info;
        continue;
      }
      if (!queued.ok) continue;
      const now = Date.now();
      watch.endedSince ??= now;
      const final = await finalState(jobId);
      if (final.ok && final.value !== undefined) {
        this.finish(jobId, watch, { ...final.value, node: final.value.node ?? watch.last?.node });
      } else if (info !== undefined && now - watch.endedSince > EXIT_CODE_WAIT_MS) {
        this.finish(jobId, watch, info);
      } else if (now - watch.endedSince > LOST_AFTER_MS) {
        this.finish(jobId, watch, { jobId, state: "LOST", node: watch.last?.node, reason: "the scheduler no longer knows the job and has no record of its end", exitCode: undefined, signal: undefined });
      }
    }
  }

  private finish(jobId: string, watch: Watch, info: JobInfo): void {
    this.watched.delete(jobId);
    watch.resolve(info);
  }
}
