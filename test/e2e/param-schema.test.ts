// End-to-end: per-stage param schemas (stages/NAME.params.schema.json) checked at plan time, defaults handed to the stage and shown.
import { cpSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { clearRuns, dag, makeProject, read, REPO, runsLog, write } from "./project.js";

const FIXTURE = path.join(REPO, "test/fixtures/e2e");

const YAML = `params:
  seed: 7
stages:
  up:
    module: stages/echo.ts
    params: { text: U }
    outs: [u.txt]
  fit:
    module: stages/fit.ts
    deps:
      u: up:u.txt
    params:
      alpha: 0.1
    outs: [params.json]
`;

/** A project with the echo stage (no schema) upstream of stages/fit.ts, which has a schema and writes the params it got. */
function project(yaml = YAML): string {
  const dir = makeProject({ "pipeline.yaml": yaml });
  cpSync(path.join(FIXTURE, "params-stage.ts"), path.join(dir, "stages/fit.ts"));
  cpSync(path.join(FIXTURE, "params-stage.params.schema.json"), path.join(dir, "stages/fit.params.schema.json"));
  return dir;
}

describe("param schemas", () => {
  it("hands the schema's defaults to the stage and shows them in status --params", async () => {
    const dir = project();
    const r = await dag(dir, "run");
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(read(dir, "artifacts/fit/params.json"))).toEqual({ alpha: 0.1, mode: "fast", loss: { mse: 1, cosine: 0 } });
    const s = await dag(dir, "status", "--params", "fit");
    expect(s.exitCode).toBe(0);
    expect(s.stdout).toMatch(/^fit {2}stages\/fit\.params\.schema\.json$/m);
    expect(s.stdout).toMatch(/^ {2}alpha +0\.1$/m);
    expect(s.stdout).toMatch(/^ {2}mode +fast +\(default\)$/m);
    expect(s.stdout).toMatch(/^ {2}loss\.mse +1 +\(default\)$/m);
    expect(s.stdout).toMatch(/^ {2}threads +- +\(not set; absent: every core\)$/m);
    expect(s.stdout).not.toMatch(/^up /m);
    const all = await dag(dir, "status", "--params");
    expect(all.stdout).toMatch(/^up {2}\(no stages\/echo\.params\.schema\.json: params unchecked\)$/m);
  });

  it("writing a default out is the same entry as leaving it out", async () => {
    const dir = project();
    expect((await dag(dir, "run")).exitCode).toBe(0);
    clearRuns(dir);
    write(dir, "pipeline.yaml", YAML.replace("alpha: 0.1", "alpha: 0.1\n      mode: fast\n      loss: { mse: 1 }"));
    const r = await dag(dir, "run");
    expect(r.exitCode, r.stderr).toBe(0);
    expect(runsLog(dir)).toEqual([]);
    write(dir, "pipeline.yaml", YAML.replace("alpha: 0.1", "alpha: 0.1\n      mode: slow"));
    expect((await dag(dir, "run")).exitCode).toBe(0);
    expect(runsLog(dir)).toEqual(["fit"]);
  });

  it("a stage whose file spells out every default keeps its key when the schema is added", async () => {
    const spelled = YAML.replace("alpha: 0.1", "alpha: 0.1\n      mode: fast\n      loss: { mse: 1, cosine: 0 }");
    const dir = project(spelled);
    rmSync(path.join(dir, "stages/fit.params.schema.json"));
    expect((await dag(dir, "run")).exitCode).toBe(0);
    cpSync(path.join(FIXTURE, "params-stage.params.schema.json"), path.join(dir, "stages/fit.params.schema.json"));
    clearRuns(dir);
    const s = await dag(dir, "status");
    expect(s.stdout).toMatch(/^fit +cached/m);
    expect((await dag(dir, "run")).exitCode).toBe(0);
    expect(runsLog(dir)).toEqual([]);
  });

  it("a bad value in pipeline.yaml is a config error at its line and column before anything runs", async () => {
    const dir = project(YAML.replace("alpha: 0.1", "alpha: abc\n      mod: fast\n      loss: { mse: -1 }"));
    const r = await dag(dir, "run");
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('pipeline.yaml:13:14 error: stage "fit": params.alpha must be a number, got "abc"');
    expect(r.stderr).toMatch(/pipeline\.yaml:14:7 error: stage "fit": unknown param "mod"[^\n]*\n.*\n.*\^\^\^\n {2}hint: did you mean "mode"\?/);
    expect(r.stderr).toContain('pipeline.yaml:15:20 error: stage "fit": params.loss.mse must be >= 0, got -1');
    expect(runsLog(dir)).toEqual([]);
    expect((await dag(dir, "status")).exitCode).toBe(2);
  });

  it("an unknown param holding a path says files are inputs", async () => {
    const r = await dag(project(YAML.replace("alpha: 0.1", "train: data/train.npz")), "run");
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('unknown param "train"');
    expect(r.stderr).toContain("hint: a file a stage reads is an input: name it under the stage's deps, not its params");
  });

  it("an enum value gets a did-you-mean", async () => {
    const r = await dag(project(YAML.replace("alpha: 0.1", "mode: slwo")), "run");
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('params.mode must be one of "fast" | "slow", got "slwo"');
    expect(r.stderr).toContain('hint: did you mean "slow"?');
  });

  it("checks each sweep value and points at it", async () => {
    const dir = project(`${YAML}sweep:\n  fit.alpha: [0.1, 0.2, -3]\n  fit.mode: [fast, quick]\n`);
    const r = await dag(dir, "run");
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('pipeline.yaml:16:25 error: sweep "fit.alpha": params.alpha must be >= 0, got -3');
    expect(r.stderr).toContain('pipeline.yaml:17:20 error: sweep "fit.mode": params.mode must be one of "fast" | "slow", got "quick"');
    expect(runsLog(dir)).toEqual([]);
  });

  it("checks --set overrides, names the flag, and runs nothing", async () => {
    const dir = project();
    const bad = await dag(dir, "run", "--set", "fit.mode=slwo");
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toBe('--set fit.mode=slwo: params.mode must be one of "fast" | "slow", got "slwo"; did you mean "slow"?');
    const typo = await dag(dir, "run", "--set", "fit.alpah=1");
    expect(typo.exitCode).toBe(2);
    expect(typo.stderr).toContain('did you mean "alpha"?');
    expect(runsLog(dir)).toEqual([]);
    // A declared param the file leaves unset (no default) can be set.
    const threads = await dag(dir, "run", "--set", "fit.threads=2");
    expect(threads.exitCode, threads.stderr).toBe(0);
    expect(JSON.parse(read(dir, "artifacts/fit/params.json"))).toMatchObject({ threads: 2, mode: "fast" });
    const wrong = await dag(dir, "run", "--set", "fit.threads=0.5");
    expect(wrong.exitCode).toBe(2);
    expect(wrong.stderr).toContain("params.threads must be an integer, got 0.5");
  });

  it("a schema file that is not JSON is a config error naming it", async () => {
    const dir = project();
    writeFileSync(path.join(dir, "stages/fit.params.schema.json"), "{ nope");
    const r = await dag(dir, "run");
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/pipeline\.yaml:9:13 error: stages\/fit\.params\.schema\.json is not valid JSON/);
    expect(runsLog(dir)).toEqual([]);
  });

  it("every stage of the shipped pipeline has a schema its params pass", async () => {
    const modules = readdirSync(path.join(REPO, "stages")).filter((f) => f.endsWith(".ts"));
    for (const m of modules) expect(readdirSync(path.join(REPO, "stages"))).toContain(m.replace(/\.ts$/, ".params.schema.json"));
    for (const file of ["pipeline.yaml", "experiments/sweep-demo.yaml", "experiments/reference-parity.yaml"]) {
      const s = await dag(REPO, "status", "--params", "-f", file);
      expect(s.exitCode, s.stderr).toBe(0);
      expect(s.stdout).not.toContain("params unchecked");
    }
  });
});
