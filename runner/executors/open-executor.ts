// Picks the run's executor: `--executor`, else pipeline.yaml's `executor:`, else local; a Slurm one only where sbatch answers.
import { execa } from "execa";
import { err, ok, type Result } from "../../cache/result.js";
import type { Pipeline } from "../pipeline.js";
import type { ExecutorName } from "./executor-config.js";
import { localExecutor } from "./local.js";
import { clearStaleLeases } from "./run-lease.js";
import { SlurmExecutor } from "./slurm.js";
import type { StageExecutor } from "./stage-executor.js";

/** The executor a run uses (call under the run lock: it clears the leases of dead runs); an error (exit 2) names why a Slurm one cannot be used here. */
export async function openExecutor(pipeline: Pipeline, dagDir: string, chosen: ExecutorName | undefined): Promise<Result<StageExecutor, string>> {
  const name = chosen ?? pipeline.executor?.name ?? "local";
  await clearStaleLeases(dagDir);
  if (name === "local") return ok(localExecutor);
  const probe = await execa("sbatch", ["--version"], { reject: false, stdin: "ignore" });
  if (probe.exitCode !== 0) {
    const why = (probe as { code?: string }).code === "ENOENT" ? "sbatch is not on PATH" : `sbatch --version failed: ${`${probe.stderr}`.trim() || probe.shortMessage}`;
    return err(`the slurm executor needs Slurm's commands here (${why}); run dag on a node of the cluster (its login node), or use --executor local`);
  }
  return ok(await SlurmExecutor.open(dagDir, pipeline.executor?.slurm ?? { sbatch: [] }));
}
