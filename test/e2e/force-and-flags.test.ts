// End-to-end: --force re-runs the named stages only, --force-upstream (-F) what they need too; mistyped flags and sort keys get suggestions.
import { describe, expect, it } from "vitest";
import { CHAIN_YAML, clearRuns, dag, makeProject, read, runsLog, write } from "./project.js";

function chain(): string {
  const dir = makeProject({ "pipeline.yaml": CHAIN_YAML, "input.txt": "raw" });
  return dir;
}

describe("--force and --force-upstream", () => {
  it("--force STAGE re-runs that stage alone, its cached upstream used as it is", async () => {
    const dir = chain();
    expect((await dag(dir, "run")).exitCode).toBe(0);
    clearRuns(dir);
    const r = await dag(dir, "run", "--force", "b");
    expect(r.exitCode, r.stderr).toBe(0);
    expect(runsLog(dir)).toEqual(["b"]);
    expect(r.stdout).toMatch(/1 ran, 1 cached/);
    clearRuns(dir);
    expect((await dag(dir, "run", "--force", "--until", "c")).exitCode).toBe(0);
    expect(runsLog(dir)).toEqual(["c"]);
  });

  it("--force with no stage named re-runs every stage", async () => {
    const dir = chain();
    expect((await dag(dir, "run")).exitCode).toBe(0);
    clearRuns(dir);
    expect((await dag(dir, "run", "--force")).exitCode).toBe(0);
    expect(runsLog(dir)).toEqual(["a", "b", "c"]);
  });

  it("--force-upstream and -F re-run the named stages and everything upstream", async () => {
    const dir = chain();
    expect((await dag(dir, "run")).exitCode).toBe(0);
    clearRuns(dir);
    expect((await dag(dir, "run", "--force-upstream", "b")).exitCode).toBe(0);
    expect(runsLog(dir)).toEqual(["a", "b"]);
    clearRuns(dir);
    expect((await dag(dir, "run", "-F", "--until", "c")).exitCode).toBe(0);
    expect(runsLog(dir)).toEqual(["a", "b", "c"]);
  });

  it("--force on a swept stage re-runs each of its variants, nothing upstream", async () => {
    const dir = makeProject({ "pipeline.yaml": `${CHAIN_YAML}sweep:\n  b.text: [B, B2]\n`, "input.txt": "raw" });
    expect((await dag(dir, "run")).exitCode).toBe(0);
    clearRuns(dir);
    expect((await dag(dir, "run", "--force", "b")).exitCode).toBe(0);
    expect(runsLog(dir).sort()).toEqual(["b", "b"]);
    clearRuns(dir);
    expect((await dag(dir, "run", "--force", "b[text=B2]")).exitCode).toBe(0);
    expect(runsLog(dir)).toEqual(["b"]);
    expect(read(dir, "artifacts/b@text=B2/out.txt")).toBe("B2(A())");
  });

  it("dry run says which stages --force would re-run", async () => {
    const dir = chain();
    expect((await dag(dir, "run")).exitCode).toBe(0);
    const dry = await dag(dir, "run", "-n", "--force", "b");
    expect(dry.stdout).toContain("a: cached");
    expect(dry.stdout).toContain("b: would run (--force)");
  });
});

describe("suggestions", () => {
  it("a mistyped flag gets a did-you-mean and exit 2", async () => {
    const dir = chain();
    const r = await dag(dir, "run", "--untl", "b");
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe("dag: Unknown option '--untl'. Did you mean --until? (see dag run --help)");
    const s = await dag(dir, "status", "--jsn");
    expect(s.stderr).toBe("dag: Unknown option '--jsn'. Did you mean --json? (see dag status --help)");
    const g = await dag(dir, "gc", "--max-szie", "1G");
    expect(g.stderr).toContain("Did you mean --max-size?");
    expect(runsLog(dir)).toEqual([]);
  });

  it("runs --sort without an exact match lists the few nearest names", async () => {
    const dir = makeProject({ "pipeline.yaml": CHAIN_YAML.replace("metric: 0.5", "metric: 0.5"), "input.txt": "raw" });
    expect((await dag(dir, "run")).exitCode).toBe(0);
    write(dir, "pipeline.yaml", read(dir, "pipeline.yaml").replace("metric: 0.5", "metric: 0.7"));
    expect((await dag(dir, "run")).exitCode).toBe(0);
    const r = await dag(dir, "runs", "--sort", "scor");
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('did you mean "score"?');
    const far = await dag(dir, "runs", "--sort", "sc");
    expect(far.exitCode).toBe(2);
    expect(far.stderr).toMatch(/nearest: score[,( ]/);
  });
});
