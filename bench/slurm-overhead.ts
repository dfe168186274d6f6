// The Slurm executor's cost, on the cluster SLURM_CONF names: a trivial stage's `dag run --force` on the
// cluster against the local executor (interleaved, medians of BENCH_TIMES=5), and a sweep of the default
// pipeline's ridge (four alphas, load included) with -j 1 against -j 2 (medians of BENCH_SWEEP_TIMES=3).
// Run: eval "$(.ci/services/slurm.sh env)"; node --import tsx bench/slurm-overhead.ts
import { cpSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync, mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fmt, median, table, timeCommand } from "./stats.js";

const REPO = path.resolve(import.meta.dirname, "..");
const CLI = path.join(REPO, "dist/runner/cli.js");
const times = Number(process.env["BENCH_TIMES"] ?? 5);
const sweepTimes = Number(process.env["BENCH_SWEEP_TIMES"] ?? 3);

if (process.env["SLURM_CONF"] === undefined && process.env["DAG_TEST_SLURM"] !== "1") {
  console.error('no cluster: eval "$(.ci/services/slurm.sh env)" first');
  process.exit(2);
}

/** A project with one trivial stage on the stage library (the cluster tests' fixture). */
function trivialProject(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "dag-bench-slurm-"));
  mkdirSync(path.join(dir, "stages"));
  const source = readFileSync(path.join(REPO, "test/fixtures/e2e/cluster-stage.ts"), "utf8");
  writeFileSync(path.join(dir, "stages/cluster.ts"), source.replace("../../../stages/lib/protocol/job.js", path.join(REPO, "stages/lib/protocol/job.js")));
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: "module", private: true }) + "\n");
  writeFileSync(path.join(dir, "pipeline.yaml"), "stages:\n  tiny:\n    module: stages/cluster.ts\n    outs: [a.txt]\n");
  return dir;
}

/** A copy of the default pipeline with a four-value sweep of ridge's alpha. */
function sweepProject(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "dag-bench-slurm-sweep-"));
  for (const part of ["pipeline.yaml", "package.json", "stages", "schemas"]) cpSync(path.join(REPO, part), path.join(dir, part), { recursive: true });
  for (const part of ["native", "node_modules"]) symlinkSync(path.join(REPO, part), path.join(dir, part));
  const yaml = readFileSync(path.join(dir, "pipeline.yaml"), "utf8").replace(/^sweep:[^]*?(?=^\S|$(?![^]))/m, "");
  writeFileSync(path.join(dir, "pipeline.yaml"), `${yaml}\nsweep:\n  ridge.alpha: [0.01, 0.03, 0.1, 0.3]\n`);
  return dir;
}

const tiny = trivialProject();
const run = (dir: string, args: string[]): number => timeCommand(process.execPath, [CLI, "run", ...args], { cwd: dir, times: 1 })[0] as number;
run(tiny, ["--executor", "local"]);
const local: number[] = [];
const slurm: number[] = [];
for (let i = 0; i < times; i++) {
  local.push(run(tiny, ["--force", "--executor", "local"]));
  slurm.push(run(tiny, ["--force", "--executor", "slurm"]));
}
console.log(`one trivial stage, dag run --force, median of ${times} (interleaved):`);
console.log(
  table([
    ["executor", "seconds", "runs"],
    ["local", fmt(median(local)), local.map((s) => fmt(s, 2)).join(" ")],
    ["slurm", fmt(median(slurm)), slurm.map((s) => fmt(s, 2)).join(" ")],
    ["slurm overhead per stage", fmt(median(slurm) - median(local)), ""],
  ]),
);

const sweep = sweepProject();
run(sweep, ["ridge", "--executor", "slurm", "-j", "2"]);
const j1: number[] = [];
const j2: number[] = [];
for (let i = 0; i < sweepTimes; i++) {
  j1.push(run(sweep, ["ridge", "--force", "--executor", "slurm", "-j", "1"]));
  j2.push(run(sweep, ["ridge", "--force", "--executor", "slurm", "-j", "2"]));
}
console.log(`\nsweep of ridge.alpha (4 variants + load) on the cluster, dag run ridge --force, median of ${sweepTimes}:`);
console.log(
  table([
    ["jobs", "seconds", "runs"],
    ["-j 1", fmt(median(j1)), j1.map((s) => fmt(s, 1)).join(" ")],
    ["-j 2", fmt(median(j2)), j2.map((s) => fmt(s, 1)).join(" ")],
  ]),
);
