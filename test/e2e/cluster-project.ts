// Temp projects for the Slurm tests: the cluster stage fixture (on the stage library) as stages/cluster.ts, and the cluster's own commands to look at jobs.
import { readFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { dag, makeProject, REPO, write } from "./project.js";

/** Whether a Slurm cluster answers (.ci/services/slurm.sh env sets DAG_TEST_SLURM). */
export const SLURM = process.env["DAG_TEST_SLURM"] === "1";

/** A temp project with `yaml` as pipeline.yaml and the cluster stage, its library import pointed at this repository. */
export function clusterProject(yaml: string): string {
  const dir = makeProject({ "pipeline.yaml": yaml });
  const source = readFileSync(path.join(REPO, "test/fixtures/e2e/cluster-stage.ts"), "utf8");
  write(dir, "stages/cluster.ts", source.replace("../../../stages/lib/protocol/job.js", path.join(REPO, "stages/lib/protocol/job.js")));
  return dir;
}

/** Polls `probe` every 300 ms until it returns a value, or fails after `ms`. */
export async function waitFor<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

/** The job ids `dag status` lists as RUNNING for each stage, once every stage in `stages` has one. */
export async function runningJobs(dir: string, stages: readonly string[]): Promise<Map<string, string> | undefined> {
  const status = await dag(dir, "status");
  const found = new Map<string, string>();
  for (const stage of stages) {
    const match = new RegExp(`^  ${stage.replace(/[[\]]/g, "\\$&")}\\s+slurm job (\\d+) RUNNING on \\S+`, "m").exec(status.stdout);
    if (match?.[1] !== undefined) found.set(stage, match[1]);
  }
  return found.size === stages.length ? found : undefined;
}

/** The jobs of `ids` Slurm still has in flight (pending, running, completing). */
export async function inFlight(ids: readonly string[]): Promise<string[]> {
  const r = await execa("squeue", ["--noheader", "--states=PD,R,CG,CF,S", `--jobs=${ids.join(",")}`, "--format=%i"], { reject: false });
  return `${r.stdout}`.split("\n").map((l) => l.trim()).filter(Boolean);
}

/** The job's state as sacct records it. */
export async function accountedState(id: string): Promise<string> {
  const r = await execa("sacct", ["--noheader", "--parsable2", "--allocations", `--jobs=${id}`, "--format=State"], { reject: false });
  return `${r.stdout}`.trim().split("\n")[0] ?? "";
}
