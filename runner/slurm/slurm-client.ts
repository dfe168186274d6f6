// The Slurm commands dag uses (sbatch, squeue, sacct, scontrol, scancel), run as child processes; every expected failure is a value.
import { execa } from "execa";
import { err, ok, type Result } from "../../cache/result.js";

/** Why a Slurm command did not answer: not installed here, or it failed (its own message). */
export type SlurmError =
  | { readonly reason: "missing"; readonly command: string; readonly message: string }
  | { readonly reason: "failed"; readonly command: string; readonly message: string };

/** A job as the scheduler sees it now. */
export interface JobInfo {
  readonly jobId: string;
  /** PENDING, RUNNING, COMPLETING, COMPLETED, FAILED, TIMEOUT, OUT_OF_MEMORY, CANCELLED, NODE_FAIL… (`CANCELLED by 0` shortened to CANCELLED). */
  readonly state: string;
  readonly node: string | undefined;
  /** Slurm's reason for a pending job. */
  readonly reason: string | undefined;
  /** The batch script's exit code and the signal that ended it, once the job has ended. */
  readonly exitCode: number | undefined;
  readonly signal: number | undefined;
}

/** States a job never leaves. */
const FINAL = new Set(["COMPLETED", "FAILED", "TIMEOUT", "OUT_OF_MEMORY", "CANCELLED", "NODE_FAIL", "PREEMPTED", "BOOT_FAIL", "DEADLINE", "REVOKED", "SPECIAL_EXIT"]);

export function isFinal(state: string): boolean {
  return FINAL.has(state);
}

async function slurm(command: string, args: readonly string[]): Promise<Result<string, SlurmError>> {
  const r = await execa(command, args, { reject: false, stdin: "ignore", timeout: 60_000 });
  if (r.failed && (r as { code?: string }).code === "ENOENT") {
    return err({ reason: "missing", command, message: `${command} is not installed here (or not on PATH): run dag on a node of the cluster, such as its login node` });
  }
  if (r.exitCode !== 0) {
    const text = `${r.stderr}`.trim() || `${r.stdout}`.trim() || r.shortMessage || `exit code ${r.exitCode}`;
    const said = text.split("\n").slice(-3).join("; ");
    return err({ reason: "failed", command, message: said.startsWith(`${command}:`) ? said : `${command}: ${said}` });
  }
  return ok(`${r.stdout}`);
}

/** Submits a batch script: `sbatch --parsable FLAGS SCRIPT`; the job id. */
export async function submitJob(flags: readonly string[], script: string): Promise<Result<string, SlurmError>> {
  const out = await slurm("sbatch", ["--parsable", ...flags, script]);
  if (!out.ok) return out;
  const id = out.value.trim().split(";")[0] ?? "";
  if (!/^[0-9]+$/.test(id)) return err({ reason: "failed", command: "sbatch", message: `sbatch answered ${JSON.stringify(out.value.trim())}, not a job id` });
  return ok(id);
}

/** The jobs of `ids` squeue still lists (finished ones too, while the controller keeps them); a job it has forgotten is absent. */
export async function queueStates(ids: readonly string[]): Promise<Result<Map<string, JobInfo>, SlurmError>> {
  const jobs = new Map<string, JobInfo>();
  if (ids.length === 0) return ok(jobs);
  const out = await slurm("squeue", ["--noheader", "--states=all", `--jobs=${ids.join(",")}`, "--format=%i|%T|%N|%r"]);
  if (!out.ok) {
    // squeue refuses the whole list when one id is unknown to the controller (purged): the caller asks per job.
    if (/Invalid job id/i.test(out.error.message)) return ok(jobs);
    return out;
  }
  for (const line of out.value.split("\n")) {
    const [jobId, state, node, reason] = line.trim().split("|");
    if (jobId === undefined || state === undefined || jobId === "") continue;
    jobs.set(jobId, { jobId, state, node: node || undefined, reason: reason || undefined, exitCode: undefined, signal: undefined });
  }
  return ok(jobs);
}

/** A job's record in the accounting database (sacct); undefined when it has none (yet); an error when accounting is disabled. */
export async function accountedJob(id: string): Promise<Result<JobInfo | undefined, SlurmError>> {
  const out = await slurm("sacct", ["--noheader", "--parsable2", "--allocations", `--jobs=${id}`, "--format=JobID,State,ExitCode,NodeList"]);
  if (!out.ok) return out;
  for (const line of out.value.split("\n")) {
    const [jobId, state, exit, node] = line.trim().split("|");
    if (jobId !== id || state === undefined) continue;
    const [code, signal] = (exit ?? "").split(":").map(Number);
    return ok({ jobId, state: state.split(" ")[0] ?? state, node: node && node !== "None assigned" ? node : undefined, reason: undefined, exitCode: code, signal });
  }
  return ok(undefined);
}

/** A job as the controller shows it (`scontrol show job`), for clusters without accounting; undefined once it has forgotten the job. */
export async function controllerJob(id: string): Promise<Result<JobInfo | undefined, SlurmError>> {
  const out = await slurm("scontrol", ["--oneliner", "show", "job", id]);
  if (!out.ok) return /Invalid job id/i.test(out.error.message) ? ok(undefined) : out;
  const field = (name: string): string | undefined => new RegExp(`(?:^|\\s)${name}=(\\S*)`).exec(out.value)?.[1];
  const state = field("JobState");
  if (state === undefined) return ok(undefined);
  const [code, signal] = (field("ExitCode") ?? "").split(":").map(Number);
  const node = field("NodeList");
  return ok({ jobId: id, state, node: node && node !== "(null)" ? node : undefined, reason: field("Reason"), exitCode: code, signal });
}

/** How a job ended: from sacct, else (no accounting, or no record yet) from scontrol; undefined while neither knows an end. */
export async function finalState(id: string): Promise<Result<JobInfo | undefined, SlurmError>> {
  const accounted = await accountedJob(id);
  if (accounted.ok && accounted.value !== undefined && isFinal(accounted.value.state)) return accounted;
  const shown = await controllerJob(id);
  if (!shown.ok) return accounted.ok ? shown : accounted;
  return ok(shown.value !== undefined && isFinal(shown.value.state) ? shown.value : undefined);
}

/** Cancels jobs: `scancel IDS`. */
export async function cancelJobs(ids: readonly string[]): Promise<Result<void, SlurmError>> {
  if (ids.length === 0) return ok(undefined);
  const out = await slurm("scancel", [...ids]);
  return out.ok ? ok(undefined) : out;
}
