// The Slurm executor: each stage one sbatch job running the same command on the same job file (shared filesystem), followed through squeue/sacct, its messages tailed from a file.
import { execFileSync } from "node:child_process";
import { chmod, open, writeFile } from "node:fs/promises";
import path from "node:path";
import type { StageMessage } from "../../schemas/stage-contract.js";
import type { ClusterJobState, StageFailure } from "../events.js";
import { LOG_TAIL_LINES, TSX_LOADER, type StageProcessResult } from "../stage-process.js";
import { JobTracker } from "../slurm/job-tracker.js";
import { jobScript, sbatchFlags } from "../slurm/job-script.js";
import { cancelJobs, submitJob, type JobInfo } from "../slurm/slurm-client.js";
import type { SlurmDefaults } from "./executor-config.js";
import { tailMessages } from "./message-tail.js";
import { RunLease } from "./run-lease.js";
import type { StageExecutor, StageLaunch } from "./stage-executor.js";

/** How much of a log's end is read for a failure's last lines. */
const TAIL_BYTES = 64 * 1024;

export class SlurmExecutor implements StageExecutor {
  readonly name = "slurm";
  private readonly tracker = new JobTracker();

  private constructor(
    private readonly defaults: SlurmDefaults,
    private readonly lease: RunLease,
  ) {
    process.once("exit", this.cancelAtExit);
  }

  /** A runner that exits at once (a second Ctrl-C) cancels its jobs on its way out; killed outright, it leaves that to the lease. */
  private readonly cancelAtExit = (): void => {
    const ids = this.tracker.inFlight;
    if (ids.length === 0) return;
    try {
      execFileSync("scancel", ids, { stdio: "ignore", timeout: 10_000 });
    } catch {
      // The jobs stop on their stale lease instead.
    }
  };

  /** Takes the run's lease in `.dag/leases/`; call under the run lock. */
  static async open(dagDir: string, defaults: SlurmDefaults): Promise<SlurmExecutor> {
    return new SlurmExecutor(defaults, await RunLease.take(dagDir));
  }

  async run(launch: StageLaunch): Promise<StageProcessResult> {
    const metrics: Record<string, number> = {};
    const meta: Record<string, string | number | boolean> = {};
    const started = performance.now();
    await writeFile(launch.jobFile, JSON.stringify(launch.job, null, 2) + "\n");
    const messagesFile = path.join(launch.dir, "messages.jsonl");
    await writeFile(messagesFile, "");
    const script = path.join(launch.dir, "job.sh");
    await writeFile(
      script,
      jobScript({ node: process.execPath, loader: TSX_LOADER, moduleAbs: launch.moduleAbs, cwd: launch.cwd, jobFile: launch.jobFile, messagesFile, leaseFile: this.lease.file }),
    );
    await chmod(script, 0o755);
    if (launch.signal.aborted) return { failure: { reason: "interrupted", logFile: launch.logFile }, metrics, meta, seconds: 0 };

    const submitted = await submitJob(sbatchFlags(launch.stage, launch.logFile, launch.cwd, this.defaults, launch.resources), script);
    if (!submitted.ok) return { failure: { reason: "spawn", message: submitted.error.message }, metrics, meta, seconds: 0 };
    const jobId = submitted.value;
    const report = (state: ClusterJobState): void => {
      this.lease.update(launch.stage, state);
      launch.onJob(state);
    };
    report({ jobId, state: "PENDING", node: undefined, reason: undefined });

    const onMessage = (message: StageMessage): void => {
      if (message.type === "metrics") Object.assign(metrics, message.values);
      if (message.type === "meta") Object.assign(meta, message.values);
      launch.onMessage(message);
    };
    const tail = tailMessages(messagesFile, onMessage);
    const cancel = (): void => void cancelJobs([jobId]);
    // Ctrl-C while sbatch was answering: the job exists now, so it is cancelled now.
    if (launch.signal.aborted) cancel();
    else launch.signal.addEventListener("abort", cancel, { once: true });
    let ranFrom: number | undefined;
    const final = await this.tracker.watch(jobId, (info) => {
      if (info.state === "RUNNING") ranFrom ??= performance.now();
      report({ jobId, state: info.state, node: info.node, reason: info.reason });
    });
    launch.signal.removeEventListener("abort", cancel);
    await tail.stop();
    this.lease.forget(launch.stage);
    const seconds = (performance.now() - (ranFrom ?? started)) / 1000;
    return { failure: await this.failureOf(launch, final), metrics, meta, seconds };
  }

  /** undefined for a job that completed with exit code 0; the stage's failure otherwise. */
  private async failureOf(launch: StageLaunch, final: JobInfo): Promise<StageFailure | undefined> {
    if (launch.signal.aborted) return { reason: "interrupted", logFile: launch.logFile };
    if (final.state === "COMPLETED" && final.exitCode === 0) return undefined;
    return {
      reason: "cluster-job",
      jobId: final.jobId,
      state: final.state,
      exitCode: final.exitCode,
      signal: final.signal,
      node: final.node,
      logFile: launch.logFile,
      logTail: await logTail(launch.logFile),
    };
  }

  /** Cancels whatever is still in flight and ends the lease. */
  async close(): Promise<void> {
    process.off("exit", this.cancelAtExit);
    await cancelJobs(this.tracker.inFlight);
    await this.lease.release();
  }
}

/** The last lines of a job's log (Slurm writes it on the shared filesystem). */
async function logTail(file: string): Promise<string[]> {
  try {
    const handle = await open(file, "r");
    try {
      const size = (await handle.stat()).size;
      const length = Math.min(size, TAIL_BYTES);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      const text = buffer.toString("utf8").replace(/\s+$/, "");
      return text === "" ? [] : text.split("\n").slice(-LOG_TAIL_LINES);
    } finally {
      await handle.close();
    }
  } catch {
    return [];
  }
}
