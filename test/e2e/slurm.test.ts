// The Slurm executor against the real cluster (.ci/services/slurm.sh): parity with local runs, sweeps as concurrent jobs, Slurm's failures in words, cancellation, a runner killed outright.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import { createHash } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { accountedState, clusterProject, inFlight, runningJobs, SLURM, waitFor } from "./cluster-project.js";
import { dag, REPO, startDag } from "./project.js";
import { checkStore } from "./store-check.js";

if (!SLURM) console.log("slurm tests skipped: no cluster (DAG_TEST_SLURM unset; eval \"$(.ci/services/slurm.sh env)\" after .ci/services/slurm.sh start)");

/** load → pca, load → ridge → finetune (reading pca too): the default pipeline's shape. */
const CHAIN = `params:
  seed: 3
stages:
  load:
    module: stages/cluster.ts
    params: { text: L, seed: "\${seed}" }
    outs: [data.txt]
  pca:
    module: stages/cluster.ts
    deps: { x: load:data.txt }
    outs: [pca.txt]
    resources: { cpus: 1, mem: 1G, time: 5 }
  ridge:
    module: stages/cluster.ts
    deps: { x: load:data.txt }
    params: { score: 0.5 }
    outs: [W.txt, bias.txt]
  finetune:
    module: stages/cluster.ts
    deps: { w: ridge:W.txt, p: pca:pca.txt }
    params: { text: F }
    outs: [weights.txt]
`;

/** Every entry folder of the store, as STAGE/KEY. */
function entries(dir: string): string[] {
  const root = path.join(dir, ".dag/entries");
  if (!existsSync(root)) return [];
  return readdirSync(root).flatMap((stage) => readdirSync(path.join(root, stage)).map((key) => `${stage}/${key}`)).sort();
}

function lines(dir: string, file: string): string[] {
  const abs = path.join(dir, file);
  return existsSync(abs) ? readFileSync(abs, "utf8").trim().split("\n").filter(Boolean) : [];
}

/** Nothing left of a run: no pending folder, no lease. */
function leftovers(dir: string): string[] {
  return ["tmp", "leases"].flatMap((sub) => {
    const folder = path.join(dir, ".dag", sub);
    return existsSync(folder) ? readdirSync(folder).map((name) => `${sub}/${name}`) : [];
  });
}

/** A copy of this repository's pipeline (pipeline.yaml, stages/, schemas/; native/ and node_modules/ linked) in a temp folder. */
function defaultPipelineProject(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "dag-slurm-default-"));
  for (const part of ["pipeline.yaml", "package.json", "stages", "schemas"]) cpSync(path.join(REPO, part), path.join(dir, part), { recursive: true });
  for (const part of ["native", "node_modules"]) symlinkSync(path.join(REPO, part), path.join(dir, part));
  return dir;
}

/** The sha256 of an output's bytes, except a JSON file's wall-clock fields (`seconds`, `train_seconds`…), which no two runs share. */
function comparable(file: string): string {
  const bytes = file.endsWith(".json") ? JSON.stringify(JSON.parse(readFileSync(file, "utf8")), (key, value: unknown) => (key.endsWith("seconds") ? undefined : value)) : readFileSync(file);
  return createHash("sha256").update(bytes).digest("hex");
}

/** Every output file under artifacts/STAGE/, by STAGE/FILE. */
function outputs(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const stage of readdirSync(path.join(dir, "artifacts"))) {
    for (const file of readdirSync(path.join(dir, "artifacts", stage))) out.set(`${stage}/${file}`, comparable(path.join(dir, "artifacts", stage, file)));
  }
  return out;
}

describe.skipIf(!SLURM)("the slurm executor on a real cluster", () => {
  it("runs the default pipeline to the same keys and the same bytes as a local run", async () => {
    const onCluster = defaultPipelineProject();
    const local = defaultPipelineProject();
    const cluster = await dag(onCluster, "run", "--executor", "slurm", "-j", "2");
    expect(cluster.exitCode, cluster.stdout + cluster.stderr).toBe(0);
    // Every stage of the default pipeline ran on the cluster, however many it has.
    const ran = /(\d+) ran, 0 cached/.exec(cluster.stdout);
    expect(ran, cluster.stdout).not.toBeNull();
    const stages = Number(ran?.[1]);
    expect(stages).toBeGreaterThanOrEqual(6);
    expect((await dag(local, "run", "-j", "2")).exitCode).toBe(0);
    expect(entries(onCluster)).toEqual(entries(local));
    const [a, b] = [outputs(onCluster), outputs(local)];
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    expect(a.size).toBeGreaterThan(20);
    for (const [file, content] of a) expect(content, file).toEqual(b.get(file));
    const again = await dag(onCluster, "run");
    expect(again.stdout).toContain(`0 ran, ${stages} cached`);
  }, 300_000);

  it("gives byte-identical outputs and the same keys as a local run; a local re-run is all cached", async () => {
    const onCluster = clusterProject(CHAIN);
    const local = clusterProject(CHAIN);
    const cluster = await dag(onCluster, "run", "--executor", "slurm", "-j", "2");
    expect(cluster.exitCode, cluster.stdout + cluster.stderr).toBe(0);
    expect(cluster.stdout).toContain("4 ran, 0 cached");
    expect(cluster.stdout).toMatch(/^\[load\] slurm job \d+ PENDING/m);
    expect(cluster.stdout).toMatch(/^\[finetune\] slurm job \d+ RUNNING on \S+/m);
    expect((await dag(local, "run")).exitCode).toBe(0);
    expect(entries(onCluster)).toEqual(entries(local));
    expect(entries(onCluster)).toHaveLength(4);
    for (const [stage, out] of [["load", "data.txt"], ["pca", "pca.txt"], ["ridge", "W.txt"], ["ridge", "bias.txt"], ["finetune", "weights.txt"]] as const) {
      expect(readFileSync(path.join(onCluster, "artifacts", stage, out))).toEqual(readFileSync(path.join(local, "artifacts", stage, out)));
    }
    // The messages file carried the metrics across: the entry holds them as a local run's would.
    const status = JSON.parse((await dag(onCluster, "status", "--json")).stdout) as { stages: { name: string; metrics: Record<string, number> }[] };
    expect(status.stages.find((s) => s.name === "ridge")?.metrics).toEqual({ score: 0.5 });
    const before = lines(onCluster, "runs.log").length;
    const again = await dag(onCluster, "run", "--executor", "local");
    expect(again.stdout).toContain("0 ran, 4 cached");
    expect(lines(onCluster, "runs.log")).toHaveLength(before);
    expect(checkStore(onCluster).problems).toEqual([]);
    expect(leftovers(onCluster)).toEqual([]);
  }, 120_000);

  it("runs a 2×3 sweep with -j 6 as six jobs in flight at once, side by side on the node", async () => {
    const dir = clusterProject(`stages:
  prep:
    module: stages/cluster.ts
    outs: [p.txt]
  train:
    module: stages/cluster.ts
    deps: { p: prep:p.txt }
    params: { a: 1, b: 1, sleep_ms: 2500 }
    outs: [m.txt]
executor: slurm
sweep:
  train.a: [1, 2]
  train.b: [1, 2, 3]
`);
    const r = await dag(dir, "run", "-j", "6");
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("7 ran, 0 cached");
    const out = r.stdout.split("\n");
    const firstDone = out.findIndex((l) => /^\[train\[.*\]\] done in/.test(l));
    const submitted = out.slice(0, firstDone).filter((l) => /^\[train\[a=\d,b=\d\]\] slurm job \d+ PENDING$/.test(l));
    expect(submitted).toHaveLength(6);
    expect(new Set(submitted.map((l) => /job (\d+)/.exec(l)?.[1])).size).toBe(6);
    // Start and end times of each variant's stage process (by pid): some ran at the same time.
    const starts = new Map(lines(dir, "runs.log").map((l) => l.split(" ")).filter(([stage]) => stage === "train").map(([, pid, t]) => [pid as string, Number(t)]));
    const ends = new Map(lines(dir, "ends.log").map((l) => l.split(" ")).map(([, pid, t]) => [pid as string, Number(t)]));
    const variants = [...starts.keys()];
    expect(variants).toHaveLength(6);
    const overlapping = variants.some((a) => variants.some((b) => a !== b && (starts.get(a) as number) < (ends.get(b) as number) && (starts.get(b) as number) < (ends.get(a) as number)));
    expect(overlapping).toBe(true);
  }, 120_000);

  it("says OUT_OF_MEMORY and FAILED with the job id, exit code, log tail and path; downstream is skipped", async () => {
    const dir = clusterProject(`executor: slurm
stages:
  hog:
    module: stages/cluster.ts
    params: { hold_mb: 800 }
    outs: [a.txt]
    resources: { mem: 200M }
  after:
    module: stages/cluster.ts
    deps: { a: hog:a.txt }
    outs: [b.txt]
  bad:
    module: stages/cluster.ts
    params: { exit_code: 3 }
    outs: [c.txt]
`);
    const r = await dag(dir, "run", "-j", "2");
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/stage hog failed: slurm job \d+ OUT_OF_MEMORY on \S+ \(exit code 0:125\): it used more memory than it asked for \(raise resources\.mem\)/);
    expect(r.stdout).toMatch(/stage bad failed: slurm job \d+ FAILED on \S+ \(exit code 3:0\): the stage exited with code 3/);
    expect(r.stdout).toContain("│ stage bad is failing on purpose");
    expect(r.stdout).toMatch(/│ .*oom-kill/);
    expect(r.stdout).toContain("skipped downstream: after");
    const logs = [...r.stdout.matchAll(/^log: (\.dag\/logs\/\S+)$/gm)].map((m) => m[1] as string);
    expect(logs).toHaveLength(2);
    for (const log of logs) expect(existsSync(path.join(dir, log))).toBe(true);
    expect(entries(dir)).toEqual([]);
    expect(leftovers(dir)).toEqual([]);
  }, 120_000);

  it("fails a stage whose job is scancelled from outside, cleanly; dag status shows the job while it runs", async () => {
    const dir = clusterProject(`executor: slurm
stages:
  slow:
    module: stages/cluster.ts
    params: { sleep_ms: 60000 }
    outs: [a.txt]
  next:
    module: stages/cluster.ts
    deps: { a: slow:a.txt }
    outs: [b.txt]
`);
    const run = startDag(dir, "run");
    const jobs = await waitFor("slow's job to run", 60_000, () => runningJobs(dir, ["slow"]));
    const id = jobs.get("slow") as string;
    const json = JSON.parse((await dag(dir, "status", "--json")).stdout) as { jobs?: { stage: string; jobId: string; state: string }[] };
    expect(json.jobs?.map(({ stage, jobId, state }) => ({ stage, jobId, state }))).toEqual([{ stage: "slow", jobId: id, state: "RUNNING" }]);
    await execa("scancel", [id]);
    const r = await run;
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain(`stage slow failed: slurm job ${id} CANCELLED`);
    expect(r.stdout).toContain("it was cancelled (scancel, or the cluster's administrators)");
    expect(r.stdout).toContain("skipped downstream: next");
    expect(lines(dir, "ends.log")).toEqual([]);
    expect(entries(dir)).toEqual([]);
    expect(leftovers(dir)).toEqual([]);
  }, 120_000);

  it("cancels every job of the run on Ctrl-C and leaves the store consistent", async () => {
    const dir = clusterProject(`executor: slurm
stages:
  nap1:
    module: stages/cluster.ts
    params: { sleep_ms: 60000 }
    outs: [a.txt]
  nap2:
    module: stages/cluster.ts
    params: { sleep_ms: 60000 }
    outs: [b.txt]
  after:
    module: stages/cluster.ts
    deps: { a: nap1:a.txt, b: nap2:b.txt }
    outs: [c.txt]
`);
    const run = startDag(dir, "run", "-j", "2");
    const jobs = await waitFor("both jobs to run", 60_000, () => runningJobs(dir, ["nap1", "nap2"]));
    run.kill("SIGINT");
    const r = await run;
    expect(r.exitCode).toBe(130);
    expect(await inFlight([...jobs.values()])).toEqual([]);
    for (const id of jobs.values()) expect(await waitFor(`job ${id} in sacct`, 30_000, async () => ((await accountedState(id)).startsWith("CANCELLED") ? "yes" : undefined))).toBe("yes");
    expect(lines(dir, "ends.log")).toEqual([]);
    expect(entries(dir)).toEqual([]);
    expect(leftovers(dir)).toEqual([]);
    expect(checkStore(dir).problems).toEqual([]);
  }, 120_000);

  it("stops a job whose runner was killed outright (its lease goes stale): it never writes its outputs", async () => {
    const dir = clusterProject(`executor: slurm
stages:
  orphan:
    module: stages/cluster.ts
    params: { sleep_ms: 70000 }
    outs: [a.txt]
`);
    const run = startDag(dir, "run");
    const id = (await waitFor("the job to run", 60_000, () => runningJobs(dir, ["orphan"]))).get("orphan") as string;
    run.kill("SIGKILL");
    await run;
    const killed = Date.now();
    await waitFor("the orphaned job to stop", 60_000, async () => ((await inFlight([id])).length === 0 ? true : undefined));
    // The lease is stale 30 s after the runner's last refresh; the job checks it every second.
    expect(Date.now() - killed).toBeLessThan(45_000);
    expect(lines(dir, "ends.log")).toEqual([]);
    expect(entries(dir)).toEqual([]);
    // The next run takes over: it clears what the dead run left and computes the entry.
    const again = await dag(dir, "run", "--executor", "local", "--set", "orphan.sleep_ms=1");
    expect(again.exitCode).toBe(0);
    expect(checkStore(dir).problems).toEqual([]);
    expect(leftovers(dir)).toEqual([]);
  }, 180_000);

  it("says TIMEOUT when a stage runs past its time limit", async () => {
    const dir = clusterProject(`executor: slurm
stages:
  late:
    module: stages/cluster.ts
    params: { sleep_ms: 200000 }
    outs: [a.txt]
    resources: { time: 1 }
`);
    const r = await dag(dir, "run");
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/stage late failed: slurm job \d+ TIMEOUT on \S+ \(exit code \d+:\d+\): it ran past its time limit \(raise resources\.time\)/);
    expect(entries(dir)).toEqual([]);
  }, 180_000);
});
