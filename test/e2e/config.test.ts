// End-to-end: malformed pipeline files through the real CLI give file:line:col errors, exit 2, and run nothing.
import { describe, expect, it } from "vitest";
import { dag, makeProject, runsLog } from "./project.js";

const GOOD = `stages:
  load:
    module: stages/echo.ts
    outs: [x.npy]
  ridge:
    module: stages/echo.ts
    deps:
      x: load:x.npy
    params: { alpha: 0.03 }
    outs: [W.npy]
`;

async function expectConfigError(yaml: string, ...expected: (string | RegExp)[]): Promise<void> {
  const dir = makeProject({ "pipeline.yaml": yaml });
  const r = await dag(dir, "run");
  expect(r.exitCode).toBe(2);
  for (const e of expected) expect(r.stderr).toMatch(e);
  expect(runsLog(dir)).toEqual([]);
  const s = await dag(dir, "status");
  expect(s.exitCode).toBe(2);
}

describe("config errors through the CLI", () => {
  it("YAML syntax error", async () => {
    await expectConfigError(GOOD.replace("outs: [W.npy]", "outs: [W.npy"), /pipeline\.yaml:\d+:\d+ error:/);
  });

  it("unknown key with did-you-mean, and the line shown", async () => {
    await expectConfigError(GOOD.replace("params:", "parms:"), /pipeline\.yaml:9:5 error: .*"parms"/, /did you mean "params"\?/, /9 \|\s+parms:/);
  });

  it("wrong type", async () => {
    await expectConfigError(GOOD.replace("outs: [x.npy]", "outs: x.npy"), /pipeline\.yaml:4:\d+ error:/);
  });

  it("dep on an unknown stage and on an unknown output", async () => {
    await expectConfigError(GOOD.replace("x: load:x.npy", "x: lod:x.npy"), /pipeline\.yaml:8:\d+ error:/, /did you mean "load"\?/);
    await expectConfigError(GOOD.replace("x: load:x.npy", "x: load:y.npy"), /pipeline\.yaml:8:\d+ error:/, /did you mean "x\.npy"\?/);
  });

  it("a cycle is printed", async () => {
    await expectConfigError(
      GOOD.replace("    outs: [x.npy]", "    deps: { w: ridge:W.npy }\n    outs: [x.npy]"),
      /cycle/,
      /load → ridge → load|ridge → load → ridge/,
    );
  });

  it("a missing input file and a missing module", async () => {
    await expectConfigError(GOOD.replace("x: load:x.npy", "x: data/nope.npz"), /pipeline\.yaml:8:\d+ error: .*data\/nope\.npz/);
    await expectConfigError(GOOD.replace("module: stages/echo.ts\n    outs: [x.npy]", "module: stages/ech.ts\n    outs: [x.npy]"), /pipeline\.yaml:3:\d+ error:/);
  });

  it("outputs that leave the stage folder", async () => {
    await expectConfigError(GOOD.replace("outs: [W.npy]", "outs: [../W.npy]"), /pipeline\.yaml:10:\d+ error:/);
    await expectConfigError(GOOD.replace("outs: [W.npy]", "outs: [/tmp/W.npy]"), /pipeline\.yaml:10:\d+ error:/);
  });

  it("several problems are reported together", async () => {
    await expectConfigError(GOOD.replace("params:", "parms:").replace("x: load:x.npy", "x: lod:x.npy"), /parms/, /lod/);
  });

  it("-f selects another pipeline file; paths in it resolve against the project root", async () => {
    const dir = makeProject({ "experiments/alt.yaml": GOOD.replace("alpha: 0.03", "alpha: 0.1") });
    const r = await dag(dir, "run", "-f", "experiments/alt.yaml");
    expect(r.exitCode).toBe(0);
    expect(runsLog(dir)).toEqual(["load", "ridge"]);
    const missing = await dag(dir, "status", "--file", "nope.yaml");
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/nope\.yaml/);
  });

  it("usage errors exit 2; --help works for every command", async () => {
    const dir = makeProject({ "pipeline.yaml": GOOD });
    expect((await dag(dir, "frobnicate")).exitCode).toBe(2);
    expect((await dag(dir, "run", "--jobs", "zero")).exitCode).toBe(2);
    expect((await dag(dir, "run", "--until", "ridg")).stderr).toMatch(/did you mean "ridge"/);
    for (const args of [["--help"], ["run", "--help"], ["status", "--help"]]) {
      const r = await dag(dir, ...args);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toMatch(/Usage: dag/);
    }
  });
});
