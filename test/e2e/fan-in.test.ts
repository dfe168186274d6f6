// End-to-end: fan-in deps over every variant (`STAGE[*]:OUT`) and `foreach:` copies, through the real CLI, counting real stage runs.
import { describe, expect, it } from "vitest";
import { clearRuns, dag, makeProject, read, runsLog, write } from "./project.js";

const SEEDS = (seeds: string): string => `params:
  seed: 7
stages:
  a:
    module: stages/echo.ts
    params:
      text: A
      seed: \${seed}
    foreach:
      seed: [${seeds}]
    outs: [out.txt]
  pick:
    module: stages/echo.ts
    deps:
      all: a[*]:out.txt
    params: { text: P }
    outs: [out.txt]
`;

describe("fan-in over variants", () => {
  it("a foreach of two lines makes a copy per combination, named by both, and the fan-in gets them all", async () => {
    const yaml = SEEDS("1, 2").replace("      seed: [1, 2]\n", "      seed: [1, 2]\n      text: [A, B]\n");
    const dir = makeProject({ "pipeline.yaml": yaml });
    const run = await dag(dir, "run");
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    expect(runsLog(dir).sort()).toEqual(["a", "a", "a", "a", "pick"]);
    for (const name of ["a[seed=1,text=A]", "a[seed=1,text=B]", "a[seed=2,text=A]", "a[seed=2,text=B]"]) expect(run.stdout).toContain(name);
    expect(read(dir, "artifacts/pick/out.txt")).toBe('P(all=[a[seed=1,text=A]{"seed":1,"text":"A"}:A();a[seed=1,text=B]{"seed":1,"text":"B"}:B();a[seed=2,text=A]{"seed":2,"text":"A"}:A();a[seed=2,text=B]{"seed":2,"text":"B"}:B()])');
  });

  it("foreach makes one copy per value; the fan-in stage gets every member with its variant; adding one re-runs only it and the fan-in", async () => {
    const dir = makeProject({ "pipeline.yaml": SEEDS("1, 2, 3") });
    const first = await dag(dir, "run");
    expect(first.stderr).toBe("");
    expect(first.exitCode).toBe(0);
    expect(runsLog(dir).sort()).toEqual(["a", "a", "a", "pick"]);
    expect(first.stdout).toContain("a[seed=2]");
    // The top-level seed (7) is not a copy: only the foreach values are.
    expect(first.stdout).not.toContain("a[seed=7]");
    expect(read(dir, "artifacts/pick/out.txt")).toBe('P(all=[a[seed=1]{"seed":1}:A();a[seed=2]{"seed":2}:A();a[seed=3]{"seed":3}:A()])');
    expect(read(dir, "artifacts/a@seed=3/out.txt")).toBe("A()");

    clearRuns(dir);
    expect((await dag(dir, "run")).exitCode).toBe(0);
    expect(runsLog(dir)).toEqual([]);

    write(dir, "pipeline.yaml", SEEDS("1, 2, 3, 4"));
    clearRuns(dir);
    const more = await dag(dir, "run");
    expect(more.exitCode).toBe(0);
    expect(runsLog(dir)).toEqual(["a", "pick"]);
    expect(read(dir, "artifacts/pick/out.txt")).toContain('a[seed=4]{"seed":4}:A()');

    // --no-sweep keeps foreach copies (they are not a sweep): nothing to run.
    clearRuns(dir);
    const noSweep = await dag(dir, "run", "--no-sweep");
    expect(noSweep.exitCode).toBe(0);
    expect(runsLog(dir)).toEqual([]);

    // status shows every copy and the fan-in stage, cached; the stale reason names the member that changed.
    const status = await dag(dir, "status");
    expect(status.exitCode).toBe(0);
    expect(status.stdout).toMatch(/a\[seed=4\]\s+cached/);
    expect(status.stdout).toMatch(/pick\s+cached/);
    write(dir, "pipeline.yaml", SEEDS("1, 2, 3, 4").replace("text: A\n", "text: B\n"));
    const stale = await dag(dir, "status", "--json");
    const pick = (JSON.parse(stale.stdout) as { stages: { name: string; state: string; reasons: string[] }[] }).stages.find((s) => s.name === "pick");
    expect(pick?.state).toBe("stale");
    expect(pick?.reasons.join(" ")).toContain("upstream a[seed=1] is stale");
  });

  it("a sweep upstream of the fan-in ends at it: the fan-in stage runs once over every variant", async () => {
    const dir = makeProject({
      "pipeline.yaml": `stages:
  a:
    module: stages/echo.ts
    params: { text: A }
    outs: [out.txt]
  b:
    module: stages/echo.ts
    deps: { x: a:out.txt }
    params: { text: B }
    outs: [out.txt]
  pick:
    module: stages/echo.ts
    deps: { all: "b[*]:out.txt" }
    params: { text: P }
    outs: [out.txt]
sweep:
  a.text: [X, Y]
`,
    });
    const run = await dag(dir, "run");
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    // a: X, Y and the file's own A; b one per a; pick once, over all three b's.
    expect(runsLog(dir).sort()).toEqual(["a", "a", "a", "b", "b", "b", "pick"]);
    expect(read(dir, "artifacts/pick/out.txt")).toBe('P(all=[b[a.text=X]{"a.text":"X"}:B(X());b[a.text=Y]{"a.text":"Y"}:B(Y());b[a.text=A]{"a.text":"A"}:B(A())])');
  });

  it("config errors: [*] on a stage with no variants, an unknown stage, a cycle through a fan-in; each at pipeline.yaml:LINE:COL", async () => {
    const dir = makeProject({
      "pipeline.yaml": `stages:
  a:
    module: stages/echo.ts
    params: { text: A }
    outs: [out.txt]
  pick:
    module: stages/echo.ts
    deps:
      all: a[*]:out.txt
      other: nope[*]:out.txt
    outs: [out.txt]
`,
    });
    const bad = await dag(dir, "run");
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('pipeline.yaml:9:12 error: input "all" of stage "pick" fans in over every variant of "a", but no sweep or foreach gives "a" variants');
    expect(bad.stderr).toContain("hint: give a a foreach: block");
    expect(bad.stderr).toMatch(/pipeline\.yaml:10:\d+ error: .*unknown stage "nope"/);
    expect(runsLog(dir)).toEqual([]);

    write(
      dir,
      "pipeline.yaml",
      `stages:
  a:
    module: stages/echo.ts
    deps: { back: pick:out.txt }
    params: { text: A, seed: 1 }
    foreach: { seed: [1, 2] }
    outs: [out.txt]
  pick:
    module: stages/echo.ts
    deps: { all: "a[*]:out.txt" }
    foreach: { nosuch: [1] }
    outs: [out.txt]
`,
    );
    const cycle = await dag(dir, "run");
    expect(cycle.exitCode).toBe(2);
    expect(cycle.stderr).toMatch(/cycle/);
    expect(cycle.stderr).toContain("a → pick → a");
    expect(cycle.stderr).toMatch(/pipeline\.yaml:11:16 error: foreach "nosuch" of stage "pick" names no param of the stage/);
  });
});
