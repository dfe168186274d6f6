// The batch script of a stage's Slurm job and the sbatch flags it is submitted with: the same stage command and job file as a local run.
import type { SlurmDefaults, StageResources } from "../executors/executor-config.js";
import { JOB_ENV, LEASE_ENV, LEASE_STALE_MS, MESSAGES_ENV } from "../../schemas/stage-contract.js";

/** What one job runs: the stage command, its files on the shared filesystem, the run's lease. */
export interface JobScriptSpec {
  readonly node: string;
  readonly loader: string;
  readonly moduleAbs: string;
  readonly cwd: string;
  readonly jobFile: string;
  readonly messagesFile: string;
  readonly leaseFile: string;
}

/** The exit code of a job that found its run gone before the stage started (EX_TEMPFAIL). */
export const LEASE_LOST_EXIT = 75;

/** A word for the shell, single-quoted. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * The script: refuses to start when the run's lease is stale, starts the stage as a local run
 * would (`node --import tsx MODULE`, DAG_JOB set; messages to the file), and while it runs,
 * kills it once the lease goes stale, so a job never writes after its runner is gone.
 */
export function jobScript(spec: JobScriptSpec): string {
  const staleS = Math.ceil(LEASE_STALE_MS / 1000);
  return `#!/bin/bash
# A dag stage as a Slurm job: written by dag run, removed with the run's temporary folder.
lease=${shellQuote(spec.leaseFile)}
fresh() {
  local m
  m=$(stat -c %Y "$lease" 2>/dev/null) || return 1
  [ $(( $(date +%s) - m )) -le ${staleS} ]
}
if ! fresh; then
  echo "dag: the run that submitted this job is gone (its lease $lease is stale); the stage does not start" >&2
  exit ${LEASE_LOST_EXIT}
fi
cd ${shellQuote(spec.cwd)} || exit 1
export ${JOB_ENV}=${shellQuote(spec.jobFile)} ${MESSAGES_ENV}=${shellQuote(spec.messagesFile)} ${LEASE_ENV}="$lease"
${shellQuote(spec.node)} --import ${shellQuote(spec.loader)} ${shellQuote(spec.moduleAbs)} &
stage=$!
trap 'kill -TERM "$stage" 2>/dev/null' TERM INT
while kill -0 "$stage" 2>/dev/null; do
  if ! fresh; then
    echo "dag: the run that submitted this job is gone (lease $lease is stale); stopping the stage" >&2
    kill -KILL "$stage" 2>/dev/null
  fi
  sleep 1 & wait $!
done
wait "$stage"
`;
}

/** sbatch's flags for one stage: name, log, working folder, the cluster defaults, the stage's resources, then the extra flags as written. */
export function sbatchFlags(stage: string, logFile: string, cwd: string, defaults: SlurmDefaults, resources: StageResources): string[] {
  const flags = [`--job-name=dag:${stage}`, `--output=${logFile}`, "--open-mode=append", `--chdir=${cwd}`, "--export=ALL"];
  if (defaults.partition !== undefined) flags.push(`--partition=${defaults.partition}`);
  if (defaults.account !== undefined) flags.push(`--account=${defaults.account}`);
  if (defaults.qos !== undefined) flags.push(`--qos=${defaults.qos}`);
  if (resources.cpus !== undefined) flags.push(`--cpus-per-task=${resources.cpus}`);
  if (resources.mem !== undefined) flags.push(`--mem=${resources.mem}`);
  if (resources.time !== undefined) flags.push(`--time=${resources.time}`);
  if (resources.gpus !== undefined) flags.push(`--gpus=${resources.gpus}`);
  return [...flags, ...defaults.sbatch];
}
