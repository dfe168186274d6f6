// End-to-end: the real `dag` CLI on temporary projects, counting how often each stage really ran.
import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CHAIN_YAML, clearRuns, dag, makeProject, read, runsLog, startDag, write } from "./project.js";

function chain(): string {
  return makeProject({ "pipeline.yaml": CHAIN_YAML, "input.txt": "raw-1" });
}

function entries(dir: string, stage: string): string[] {
  const folder = path.join(dir, ".dag/entries", stage);
  return existsSync(folder) ? readdirSync(folder) : [];
}

describe("dag run", () => {
  it("runs every stage the first time, none the second", async () => {
    const dir = chain();
    const first = await dag(dir, "run");
    expect(first.stderr).toBe("");
    expect(first.exitCode).toBe(0);
    expect(runsLog(dir)).toEqual(["a", "b", "c"]);
    expect(read(dir, "artifacts/c/out.txt")).toBe("C(raw-1|B(A()))");
    clearRuns(dir);
    const second = await dag(dir, "run");
    expect(second.exitCode).toBe(0);
    expect(runsLog(dir)).toEqual([]);
    expect(second.stdout).toMatch(/0 ran, 3 cached/);
  });

  it("re-runs a stage whose param changed and its downstream only; reverting is a hit with no process", async () => {
    const dir = chain();
    expect((await dag(dir, "run")).exitCode).toBe(0);
    const original = read(dir, "pipeline.yaml");
    write(dir, "pipeline.yaml", original.replace("text: B,", "text: B2,"));
    clearRuns(dir);
    expect((await dag(dir, "run")).exitCode).toBe(0);
    expect(runsLog(dir)).toEqual(["b", "c"]);
    expect(read(dir, "artifacts/c/out.txt")).toBe("C(raw-1|B2(A()))");

    write(dir, "pipeline.yaml", original);
    clearRuns(dir);
    const reverted = await dag(dir, "run");
    expect(reverted.exitCode).toBe(0);
    expect(runsLog(dir)).toEqual([]);
    expect(read(dir, "artifacts/c/out.txt")).toBe("C(raw-1|B(A()))");
    expect(entries(dir, "b")).toHaveLength(2);
  });

  it("leaves downstream cached when an upstream re-run writes byte-identical outputs", async () => {
    const dir = chain();
    expect((await dag(dir, "run")).exitCode).toBe(0);
    // A param the echo stage ignores: a's key changes, the bytes it writes do not.
    write(dir, "pipeline.yaml", read(dir, "pipeline.yaml").replace("params: { text: A }", "params: { text: A, unused: 1 }"));
    clearRuns(dir);
    const r = await dag(dir, "run");
    expect(r.exitCode).toBe(0);
    expect(runsLog(dir)).toEqual(["a"]);
    expect(r.stdout).toMatch(/1 ran, 2 cached/);
  });

  it("editing a workspace input re-runs only the stages that read it", async () => {
    const dir = chain();
    expect((await dag(dir, "run")).exitCode).toBe(0);
    write(dir, "input.txt", "raw-2");
    clearRuns(dir);
    const status = await dag(dir, "status");
    expect(status.stdout).toMatch(/c\s+stale/);
    expect(status.stdout).toContain("input input.txt changed");
    expect((await dag(dir, "run")).exitCode).toBe(0);
    expect(runsLog(dir)).toEqual(["c"]);
  });

  it("editing a stage's code re-runs the stages that use it", async () => {
    const dir = makeProject({
      "pipeline.yaml": `stages:
  a:
    module: stages/echo.ts
    outs: [o.txt]
  b:
    module: stages/other.ts
    outs: [o.txt]
`,
    });
    write(dir, "stages/other.ts", read(dir, "stages/echo.ts"));
    expect((await dag(dir, "run")).exitCode).toBe(0);
    write(dir, "stages/other.ts", read(dir, "stages/other.ts") + "\n// an edit\n");
    clearRuns(dir);
    const status = await dag(dir, "status");
    expect(status.stdout).toContain("code of stages/other.ts changed");
    expect((await dag(dir, "run")).exitCode).toBe(0);
    expect(runsLog(dir)).toEqual(["b"]);
  });

  it("--until runs a stage and its upstream only; STAGE… runs those and what they need", async () => {
    const dir = chain();
    expect((await dag(dir, "run", "--until", "b")).exitCode).toBe(0);
    expect(runsLog(dir)).toEqual(["a", "b"]);
    expect(existsSync(path.join(dir, "artifacts/c"))).toBe(false);
    clearRuns(dir);
    expect((await dag(dir, "run", "c")).exitCode).toBe(0);
    expect(runsLog(dir)).toEqual(["c"]);
  });

  it("--dry-run says what would run and why, and runs nothing", async () => {
    const dir = chain();
    const dry = await dag(dir, "run", "--dry-run");
    expect(dry.exitCode).toBe(0);
    expect(dry.stdout).toContain("a: would run (never run)");
    expect(dry.stdout).toContain("b: would run (upstream a will run)");
    expect(runsLog(dir)).toEqual([]);
    expect(existsSync(path.join(dir, ".dag/entries"))).toBe(false);
    await dag(dir, "run");
    write(dir, "pipeline.yaml", read(dir, "pipeline.yaml").replace("text: C", "text: C3"));
    const dry2 = await dag(dir, "run", "-n");
    expect(dry2.stdout).toContain("a: cached");
    expect(dry2.stdout).toContain("c: would run (params.text C → C3)");
  });

  it("--force-upstream re-runs the selection even when cached", async () => {
    const dir = chain();
    await dag(dir, "run");
    clearRuns(dir);
    const before = JSON.parse(read(dir, `.dag/entries/a/${entries(dir, "a")[0]}/manifest.json`)) as { createdAt: string };
    expect((await dag(dir, "run", "--force-upstream", "--until", "b")).exitCode).toBe(0);
    expect(runsLog(dir)).toEqual(["a", "b"]);
    // The re-run replaced the entry: one entry still, written by the forced run.
    expect(entries(dir, "a")).toHaveLength(1);
    const after = JSON.parse(read(dir, `.dag/entries/a/${entries(dir, "a")[0]}/manifest.json`)) as { createdAt: string };
    expect(after.createdAt > before.createdAt).toBe(true);
    expect(read(dir, "artifacts/a/out.txt")).toBe("A()");
  });

  it("a failing stage: exit 1, its name, code, log tail and log path, downstream skipped, previous outputs kept", async () => {
    const dir = chain();
    expect((await dag(dir, "run")).exitCode).toBe(0);
    write(dir, "pipeline.yaml", read(dir, "pipeline.yaml").replace("text: B,", "text: B, exit_code: 3,"));
    const failed = await dag(dir, "run");
    expect(failed.exitCode).toBe(1);
    expect(failed.stdout).toContain("stage b failed: exited with code 3");
    expect(failed.stdout).toContain("stage b is failing on purpose");
    expect(failed.stdout).toMatch(/log: \.dag\/logs\/b-[^\s]+\.log/);
    expect(failed.stdout).toContain("skipped downstream: c");
    const log = /log: (\S+)/.exec(failed.stdout)?.[1] as string;
    expect(readFileSync(path.join(dir, log), "utf8")).toContain("failing on purpose");
    expect(entries(dir, "b")).toHaveLength(1);
    expect(read(dir, "artifacts/b/out.txt")).toBe("B(A())");
  });

  it("a stage that does not write a declared output fails and leaves no entry", async () => {
    const dir = makeProject({
      "pipeline.yaml": `stages:
  a:
    module: stages/echo.ts
    params: { skip_output: two.txt }
    outs: [one.txt, two.txt]
`,
    });
    const r = await dag(dir, "run");
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain("did not write two.txt");
    expect(entries(dir, "a")).toEqual([]);
  });

  it("a stage killed with SIGKILL leaves no entry and the next run recovers", async () => {
    const dir = makeProject({
      "pipeline.yaml": `stages:
  slow:
    module: stages/echo.ts
    params: { sleep_ms: 60000 }
    outs: [o.txt]
`,
    });
    const running = startDag(dir, "run");
    let pid: number | undefined;
    for (let i = 0; i < 200 && pid === undefined; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const line = existsSync(path.join(dir, "runs.log")) ? read(dir, "runs.log").trim() : "";
      if (line) pid = Number(line.split(" ")[1]);
    }
    expect(pid).toBeGreaterThan(0);
    process.kill(pid as number, "SIGKILL");
    const result = await running;
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain("killed by SIGKILL");
    expect(entries(dir, "slow")).toEqual([]);

    write(dir, "pipeline.yaml", read(dir, "pipeline.yaml").replace("sleep_ms: 60000", "sleep_ms: 1"));
    const again = await dag(dir, "run");
    expect(again.exitCode).toBe(0);
    expect(entries(dir, "slow")).toHaveLength(1);
    expect(readdirSync(path.join(dir, ".dag/tmp"))).toEqual([]);
  });

  it("Ctrl-C stops the running stage, exits 130 and leaves the cache consistent", async () => {
    const dir = makeProject({
      "pipeline.yaml": `stages:
  slow:
    module: stages/echo.ts
    params: { sleep_ms: 60000 }
    outs: [o.txt]
`,
    });
    const running = startDag(dir, "run");
    for (let i = 0; i < 200 && !existsSync(path.join(dir, "runs.log")); i++) await new Promise((r) => setTimeout(r, 50));
    running.kill("SIGINT");
    const result = await running;
    expect(result.exitCode).toBe(130);
    expect(entries(dir, "slow")).toEqual([]);
    expect(existsSync(path.join(dir, ".dag/lock"))).toBe(false);
  });

  it("two concurrent runs in one project: the second waits, then finds everything cached", async () => {
    const dir = makeProject({
      "pipeline.yaml": `stages:
  a:
    module: stages/echo.ts
    params: { sleep_ms: 1500 }
    outs: [o.txt]
  b:
    module: stages/echo.ts
    deps: { x: a:o.txt }
    outs: [o.txt]
`,
    });
    const first = startDag(dir, "run");
    for (let i = 0; i < 200 && !existsSync(path.join(dir, ".dag/lock")); i++) await new Promise((r) => setTimeout(r, 25));
    const second = startDag(dir, "run");
    const [r1, r2] = await Promise.all([first, second]);
    expect(r1.exitCode).toBe(0);
    expect(r2.exitCode).toBe(0);
    expect(r2.stdout).toContain("waiting");
    expect(runsLog(dir)).toEqual(["a", "b"]);
    expect(r2.stdout).toMatch(/0 ran, 2 cached/);
  });

  it("-j 2 runs independent stages at once", async () => {
    const dir = makeProject({
      "pipeline.yaml": `stages:
  a:
    module: stages/echo.ts
    params: { sleep_ms: 1500 }
    outs: [o.txt]
  b:
    module: stages/echo.ts
    params: { sleep_ms: 1500 }
    outs: [o.txt]
`,
    });
    expect((await dag(dir, "run", "-j", "2")).exitCode).toBe(0);
    expect(runsLog(dir).sort()).toEqual(["a", "b"]);
    // Each stage logged when it was busy; the two intervals overlap.
    const spans = Object.fromEntries(
      read(dir, "busy.log").trim().split("\n").map((l) => {
        const [name, from, to] = l.split(" ");
        return [name as string, [Number(from), Number(to)] as const];
      }),
    );
    const [a0, a1] = spans["a"] as readonly [number, number];
    const [b0, b1] = spans["b"] as readonly [number, number];
    expect(a0 < b1 && b0 < a1).toBe(true);
  });

  it("artifacts/STAGE points at the current entry, whose files are read-only", async () => {
    const dir = chain();
    await dag(dir, "run");
    const target = readlinkSync(path.join(dir, "artifacts/a"));
    expect(path.resolve(path.join(dir, "artifacts"), target)).toContain(path.join(".dag", "entries", "a"));
    const mode = (await import("node:fs")).statSync(path.join(dir, "artifacts/a/out.txt")).mode & 0o222;
    expect(mode).toBe(0);
  });
});

describe("dag status", () => {
  it("says never run, cached, and stale with reasons in words; --json for scripts", async () => {
    const dir = chain();
    const before = await dag(dir, "status", "--json");
    expect(before.exitCode).toBe(0);
    const parsed = JSON.parse(before.stdout) as { stages: { name: string; state: string }[] };
    expect(parsed.stages.map((s) => [s.name, s.state])).toEqual([
      ["a", "never run"],
      ["b", "never run"],
      ["c", "never run"],
    ]);
    await dag(dir, "run");
    write(dir, "pipeline.yaml", read(dir, "pipeline.yaml").replace("metric: 0.5", "metric: 0.7"));
    const after = JSON.parse((await dag(dir, "status", "--json")).stdout) as {
      stages: { name: string; state: string; reasons: string[]; outputs: Record<string, string>; metrics: Record<string, number>; seconds: number }[];
    };
    const [a, b, c] = after.stages;
    expect(a?.state).toBe("cached");
    expect(a?.outputs["out.txt"]).toBe(path.join(dir, "artifacts/a/out.txt"));
    expect(b?.state).toBe("stale");
    expect(b?.reasons).toEqual(["params.metric 0.5 → 0.7"]);
    expect(b?.metrics).toEqual({ score: 0.5 });
    expect(b?.seconds).toBeGreaterThan(0);
    expect(c?.state).toBe("stale");
    expect(c?.reasons).toEqual(["upstream b is stale"]);
  });

  it("a corrupt entry is reported and treated as a miss", async () => {
    const dir = chain();
    await dag(dir, "run");
    const [key] = entries(dir, "a");
    const { chmodSync, writeFileSync } = await import("node:fs");
    const file = path.join(dir, ".dag/entries/a", key as string, "outs/out.txt");
    chmodSync(file, 0o644);
    writeFileSync(file, "tampered");
    clearRuns(dir);
    const r = await dag(dir, "run");
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/warning: stage a: cache entry .* is corrupt/);
    expect(runsLog(dir)[0]).toBe("a");
    expect(read(dir, "artifacts/a/out.txt")).toBe("A()");
  });
});
