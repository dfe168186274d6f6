// The words for a cluster job: its state in a stage's row (`PENDING (Resources)`, `RUNNING on node07`) and why it failed.
import type { ClusterJobState, StageFailure } from "../events.js";
import type { LeaseRecord } from "../executors/run-lease.js";

/** What a row shows of a job: `slurm job 123 PENDING (Resources)`, `slurm job 123 RUNNING on node07`. */
export function clusterJobText(job: ClusterJobState): string {
  const where = job.state === "RUNNING" && job.node !== undefined && job.node !== "" ? ` on ${job.node}` : "";
  const why = job.state === "PENDING" && job.reason !== undefined && job.reason !== "" && job.reason !== "None" ? ` (${job.reason})` : "";
  return `slurm job ${job.jobId} ${job.state}${where}${why}`;
}

/** What Slurm's end states mean for a stage, in words. */
const MEANING: Readonly<Record<string, string>> = {
  OUT_OF_MEMORY: "it used more memory than it asked for (raise resources.mem)",
  TIMEOUT: "it ran past its time limit (raise resources.time)",
  CANCELLED: "it was cancelled (scancel, or the cluster's administrators)",
  NODE_FAIL: "its node failed",
  PREEMPTED: "it was preempted by another job",
  BOOT_FAIL: "its node failed to boot",
  DEADLINE: "it missed its deadline",
};

/** One line: `slurm job 123 OUT_OF_MEMORY on vm (exit code 0:125): it used more memory than it asked for (raise resources.mem)`. */
export function clusterFailureText(failure: Extract<StageFailure, { reason: "cluster-job" }>): string {
  const node = failure.node !== undefined && failure.node !== "" ? ` on ${failure.node}` : "";
  const code = failure.exitCode === undefined ? "" : ` (exit code ${failure.exitCode}:${failure.signal ?? 0})`;
  const meaning = MEANING[failure.state.split(" ")[0] ?? ""] ?? (failure.state === "FAILED" && failure.exitCode !== undefined ? `the stage exited with code ${failure.exitCode}` : undefined);
  return `slurm job ${failure.jobId} ${failure.state}${node}${code}${meaning === undefined ? "" : `: ${meaning}`}`;
}

/** `dag status`'s section on the cluster runs going on now: one line per job in flight. */
export function liveJobsText(leases: readonly LeaseRecord[]): string {
  const lines: string[] = [];
  for (const lease of leases) {
    if (lease.jobs.length === 0) continue;
    lines.push(`cluster jobs of the dag run going on now (pid ${lease.pid} on ${lease.host}, since ${lease.startedAt}):`);
    const width = Math.max(...lease.jobs.map((j) => j.stage.length));
    for (const job of lease.jobs) lines.push(`  ${job.stage.padEnd(width)}  ${clusterJobText(job)}`);
  }
  return lines.length === 0 ? "" : lines.join("\n") + "\n";
}
