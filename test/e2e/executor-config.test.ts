// The executor settings through the real CLI, no cluster needed: they never change a key, and bad ones are positioned config or usage errors.
import { describe, expect, it } from "vitest";
import { CHAIN_YAML, clearRuns, dag, dagWithEnv, makeProject, runsLog, write } from "./project.js";

/** CHAIN_YAML with a Slurm executor block and resources on every stage. */
function withCluster(yaml: string): string {
  const resources = ["    resources: { cpus: 2, mem: 4G, time: \"1:30:00\", gpus: \"a100:1\" }"];
  const lines = yaml.split("\n");
  const out: string[] = ["executor:", "  name: slurm", "  partition: gpu", "  account: lab", "  qos: short", '  sbatch: ["--constraint=avx2"]'];
  for (const line of lines) {
    out.push(line);
    if (/^    module: /.test(line)) out.push(...resources);
  }
  return out.join("\n");
}

describe("executor settings", () => {
  it("never enter a key: a local run's entries stay cached under executor: slurm, resources and --executor local", async () => {
    const dir = makeProject({ "pipeline.yaml": CHAIN_YAML, "input.txt": "raw" });
    expect((await dag(dir, "run")).exitCode).toBe(0);
    expect(runsLog(dir)).toEqual(["a", "b", "c"]);
    clearRuns(dir);
    write(dir, "pipeline.yaml", withCluster(CHAIN_YAML));
    const status = await dag(dir, "status");
    expect(status.exitCode).toBe(0);
    expect(status.stdout).toMatch(/^a\s+cached/m);
    expect(status.stdout).toMatch(/^b\s+cached/m);
    expect(status.stdout).toMatch(/^c\s+cached/m);
    const dry = await dag(dir, "run", "--dry-run");
    expect(dry.stdout).not.toContain("would run");
    const again = await dag(dir, "run", "--executor", "local");
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toContain("0 ran, 3 cached");
    expect(runsLog(dir)).toEqual([]);
  });

  it("bad resources and executor blocks are errors at pipeline.yaml:LINE:COL with a fix, all at once", async () => {
    const yaml = `executor:
  name: slurm
  sbatch: [constraint=avx2]
stages:
  a:
    module: stages/echo.ts
    outs: [out.txt]
    resources:
      mem: 4 gigs
      time: "1:2:3:4"
      memory: 2G
`;
    const dir = makeProject({ "pipeline.yaml": yaml });
    const r = await dag(dir, "run");
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('pipeline.yaml:3:12 error: sbatch flag "constraint=avx2" does not start with "-"');
    expect(r.stderr).toContain('pipeline.yaml:9:12 error: resources.mem of stage "a" is "4 gigs", which sbatch does not take');
    expect(r.stderr).toContain("a size such as 4G, 500M or 2048 (megabytes)");
    expect(r.stderr).toContain('pipeline.yaml:10:13 error: resources.time of stage "a" is "1:2:3:4"');
    expect(r.stderr).toContain('pipeline.yaml:11:7 error: unknown key "memory" in "resources" of stage "a"');
    expect(r.stderr).toContain("allowed keys here: cpus, mem, time, gpus");
    const wrongName = makeProject({ "pipeline.yaml": "executor: slrum\n" + CHAIN_YAML, "input.txt": "raw" });
    const named = await dag(wrongName, "run");
    expect(named.exitCode).toBe(2);
    expect(named.stderr).toContain("pipeline.yaml:1:11");
    expect(named.stderr).toContain("slrum");
  });

  it("--executor takes local or slurm; slurm where sbatch is missing is a usage error, nothing runs", async () => {
    const dir = makeProject({ "pipeline.yaml": CHAIN_YAML, "input.txt": "raw" });
    const typo = await dag(dir, "run", "--executor", "slrum");
    expect(typo.exitCode).toBe(2);
    expect(typo.stderr).toContain('--executor takes local or slurm, got "slrum"; did you mean "slurm"?');
    const missing = await dagWithEnv(dir, { PATH: "/nonexistent" }, "run", "--executor", "slurm");
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain("the slurm executor needs Slurm's commands here (sbatch is not on PATH)");
    expect(runsLog(dir)).toEqual([]);
  });
});
