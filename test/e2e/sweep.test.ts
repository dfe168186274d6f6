// End-to-end: sweeps, --set, dag runs/diff and gc through the real CLI on temp projects, counting real stage runs.
import { existsSync, lstatSync, readdirSync, readlinkSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { formatSize } from "../../runner/quantities.js";
import { mlPipeline, mlProject, SWEEP_3X2 } from "./ml-project.js";
import { clearRuns, dag, read, runsLog, startDag, write } from "./project.js";

function count(names: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of names) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}

function entries(dir: string, stage: string): string[] {
  const folder = path.join(dir, ".dag/entries", stage);
  return existsSync(folder) ? readdirSync(folder).sort() : [];
}

/** The key of the entry an artifacts/ link points at. */
function linkedKey(dir: string, link: string): string {
  return path.basename(path.dirname(readlinkSync(path.join(dir, "artifacts", link))));
}

interface RunsJson {
  stages: { stage: string; params: string[]; metrics: string[]; runs: { key: string; current: string | null; variants: string[]; params: Record<string, unknown>; metrics: Record<string, number> }[] }[];
}

describe("sweeps", () => {
  it("a 3×2 sweep runs load and pca once, ridge 3 times, finetune 6; a re-run runs nothing; dag runs lists the variants", async () => {
    const dir = mlProject(mlPipeline(SWEEP_3X2));
    const first = await dag(dir, "run", "-j", "2");
    expect(first.stderr).toBe("");
    expect(first.exitCode).toBe(0);
    expect(count(runsLog(dir))).toEqual({ load: 1, pca: 1, ridge: 3, finetune: 6 });
    // One row per variant.
    expect(first.stdout).toContain("ridge[alpha=0.1]");
    expect(first.stdout).toContain("finetune[ridge.alpha=0.01,loss.infonce=1]");
    expect(first.stdout).toMatch(/11 ran, 0 cached/);
    // The file's own variant keeps artifacts/STAGE; the others get their own links.
    expect(JSON.parse(read(dir, "artifacts/ridge/W.json")).params).toEqual({ alpha: 0.03 });
    expect(JSON.parse(read(dir, "artifacts/ridge@alpha=0.1/W.json")).params).toEqual({ alpha: 0.1 });
    expect(JSON.parse(read(dir, "artifacts/finetune@ridge.alpha=0.1,loss.infonce=1/weights.json")).params.loss.infonce).toBe(1);

    clearRuns(dir);
    const again = await dag(dir, "run", "-j", "2");
    expect(again.exitCode).toBe(0);
    expect(runsLog(dir)).toEqual([]);
    expect(again.stdout).toMatch(/0 ran, 11 cached/);

    const runs = JSON.parse((await dag(dir, "runs", "--json")).stdout) as RunsJson;
    const finetune = runs.stages.find((s) => s.stage === "finetune");
    expect(finetune?.runs).toHaveLength(6);
    expect(finetune?.params).toEqual(["loss.infonce", "ridge.alpha"]);
    for (const run of finetune?.runs ?? []) expect(run.metrics["mrr_full"]).toBeGreaterThan(0);
    const grid = (finetune?.runs ?? []).map((r) => `${r.params["ridge.alpha"]}/${r.params["loss.infonce"]}`).sort();
    expect(grid).toEqual(["0.01/0", "0.01/1", "0.03/0", "0.03/1", "0.1/0", "0.1/1"]);
    const marks = (finetune?.runs ?? []).map((r) => r.current);
    expect(marks.filter((m) => m === "yaml")).toHaveLength(1);
    expect(marks.filter((m) => m === "sweep")).toHaveLength(5);
    const own = finetune?.runs.find((r) => r.current === "yaml");
    expect(own?.params).toMatchObject({ "ridge.alpha": 0.03, "loss.infonce": 0 });
    expect(runs.stages.map((s) => [s.stage, s.runs.length])).toEqual([
      ["load", 1],
      ["pca", 1],
      ["ridge", 3],
      ["finetune", 6],
    ]);

    const sorted = await dag(dir, "runs", "finetune", "--sort", "mrr_batch100");
    expect(sorted.exitCode).toBe(0);
    const values = [...sorted.stdout.matchAll(/^[●○ ]\s+[0-9a-f]{10}\s+(?:\S+\s+){2}(\S+)\s+(\S+)/gm)].map((m) => Number(m[2]));
    expect(values).toHaveLength(6);
    expect([...values].sort((a, b) => b - a)).toEqual(values);
    expect(sorted.stdout).not.toContain("ridge  (");

    const md = await dag(dir, "runs", "--md", "ridge");
    expect(md.stdout).toContain("### ridge (3 cached variants)");
    expect(md.stdout).toMatch(/\| ● \| `[0-9a-f]{10}` \| 0\.03 \| /);
    const csv = (await dag(dir, "exp", "show", "--csv")).stdout.trim().split("\n");
    expect(csv[0]).toBe("stage,key,current,params.alpha,params.loss.infonce,params.ridge.alpha,metrics.mrr_full,metrics.mrr_batch100,seconds,started_at");
    expect(csv).toHaveLength(1 + 11);

    const badSort = await dag(dir, "runs", "--sort", "mrr_batch10");
    expect(badSort.exitCode).toBe(2);
    expect(badSort.stderr).toContain('did you mean "mrr_batch100"?');

    const status = await dag(dir, "status");
    expect(status.stdout).toMatch(/finetune\[ridge\.alpha=0\.1,loss\.infonce=1\]\s+cached/);
  });

  it("shares entries with the plain pipeline: sweeping around a cached variant re-runs only the new values", async () => {
    const dir = mlProject(mlPipeline());
    expect((await dag(dir, "run")).exitCode).toBe(0);
    expect(count(runsLog(dir))).toEqual({ load: 1, pca: 1, ridge: 1, finetune: 1 });
    const plainRidge = linkedKey(dir, "ridge");
    write(dir, "pipeline.yaml", mlPipeline("sweep:\n  ridge.alpha: [0.03, 0.3]\n"));
    clearRuns(dir);
    const swept = await dag(dir, "run");
    expect(swept.exitCode).toBe(0);
    expect(count(runsLog(dir))).toEqual({ ridge: 1, finetune: 1 });
    expect(linkedKey(dir, "ridge")).toBe(plainRidge);
    expect(entries(dir, "ridge")).toHaveLength(2);
    // --no-sweep runs the file's own variant only (all cached).
    clearRuns(dir);
    const plain = await dag(dir, "run", "--no-sweep");
    expect(plain.stdout).toMatch(/0 ran, 4 cached/);
  });

  it("--set overrides a param for one run, cached like any other; an unknown stage or param is a usage error", async () => {
    const dir = mlProject(mlPipeline());
    expect((await dag(dir, "run", "--set", "finetune.epochs=2", "--set", "ridge.alpha=1e-1")).exitCode).toBe(0);
    expect(JSON.parse(read(dir, "artifacts/ridge/W.json")).params.alpha).toBe(0.1);
    expect(JSON.parse(read(dir, "artifacts/finetune/curve.json"))).toHaveLength(3);
    // The file is untouched: without --set its own values run.
    expect(read(dir, "pipeline.yaml")).toContain("alpha: 0.03");
    clearRuns(dir);
    expect((await dag(dir, "run")).exitCode).toBe(0);
    expect(count(runsLog(dir))).toEqual({ ridge: 1, finetune: 1 });
    // The --set variant is a cache hit when a sweep reaches it.
    write(dir, "pipeline.yaml", mlPipeline("sweep:\n  ridge.alpha: [0.1]\n  finetune.epochs: [2, 4]\n"));
    clearRuns(dir);
    expect((await dag(dir, "run")).exitCode).toBe(0);
    expect(count(runsLog(dir))).toEqual({ finetune: 1 });

    const typo = await dag(dir, "run", "--set", "finetun.epochs=5");
    expect(typo.exitCode).toBe(2);
    expect(typo.stderr).toContain('unknown stage "finetun"; did you mean "finetune"?');
    const param = await dag(dir, "run", "--set", "finetune.epoch=5");
    expect(param.exitCode).toBe(2);
    expect(param.stderr).toContain('has no param "epoch"; did you mean "epochs"?');
    const malformed = await dag(dir, "run", "--set", "epochs");
    expect(malformed.exitCode).toBe(2);
  });

  it("a sweep naming an unknown param is a config error at its position", async () => {
    const dir = mlProject(mlPipeline("sweep:\n  ridge.alpah: [0.1]\n"));
    const r = await dag(dir, "run");
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('pipeline.yaml:27:9 error: sweep "ridge.alpah": stage "ridge" has no param "alpah"');
    expect(r.stderr).toContain('hint: did you mean "alpha"?');
    expect(runsLog(dir)).toEqual([]);
  });
});

describe("dag diff", () => {
  it("shows two variants' differing params and metrics side by side, by stage name or key", async () => {
    const dir = mlProject(mlPipeline("sweep:\n  ridge.alpha: [0.03, 0.3]\n"));
    expect((await dag(dir, "run", "--until", "ridge")).exitCode).toBe(0);
    const byName = await dag(dir, "diff", "ridge", "ridge[alpha=0.3]");
    expect(byName.exitCode).toBe(0);
    expect(byName.stdout).toMatch(/^ {2}alpha\s+0\.03\s+0\.3\s*$/m);
    expect(byName.stdout).toMatch(/^ {2}mrr_full\s+0\.4\s+0\.3523\s+-0\.04771$/m);
    const other = linkedKey(dir, "ridge@alpha=0.3");
    const json = JSON.parse((await dag(dir, "diff", "ridge", other.slice(0, 8), "--json")).stdout) as { b: { key: string }; params: unknown[] };
    expect(json.b.key).toBe(other);
    expect(json.params).toEqual([{ name: "alpha", a: 0.03, b: 0.3 }]);
    const missing = await dag(dir, "diff", "ridge", "finetune");
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain("finetune[ridge.alpha=0.03] has no cached entry");
    const unknown = await dag(dir, "diff", "ridg", "ridge");
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('did you mean "ridge"?');
  });
});

describe("dag gc", () => {
  /** Bytes of every file below a folder. */
  function bytesBelow(folder: string): number {
    let total = 0;
    for (const name of readdirSync(folder)) {
      const file = path.join(folder, name);
      const info = lstatSync(file);
      total += info.isDirectory() ? bytesBelow(file) : info.size;
    }
    return total;
  }

  it("removes exactly the entries the pipeline no longer reaches; --dry-run lists them and the space", async () => {
    const dir = mlProject(mlPipeline("sweep:\n  ridge.alpha: [0.03, 0.1]\n  finetune.loss.infonce: [0, 1]\n"));
    expect((await dag(dir, "run", "-j", "2")).exitCode).toBe(0);
    // Shrink the sweep: ridge alpha 0.1 and its two finetune variants fall out of it.
    write(dir, "pipeline.yaml", mlPipeline("sweep:\n  finetune.loss.infonce: [0, 1]\n"));
    const gone = [`ridge/${linkedKey(dir, "ridge@alpha=0.1")}`, `finetune/${linkedKey(dir, "finetune@ridge.alpha=0.1,loss.infonce=0")}`, `finetune/${linkedKey(dir, "finetune@ridge.alpha=0.1,loss.infonce=1")}`];
    const freed = gone.reduce((sum, e) => sum + bytesBelow(path.join(dir, ".dag/entries", e)), 0);
    const before = [...entries(dir, "ridge").map((k) => `ridge/${k}`), ...entries(dir, "finetune").map((k) => `finetune/${k}`)];

    const dry = await dag(dir, "gc", "--dry-run");
    expect(dry.exitCode).toBe(0);
    expect(dry.stdout).toMatch(new RegExp(`^would remove 3 entries, freeing ${formatSize(freed)} `, "m"));
    for (const e of gone) expect(dry.stdout).toContain(path.basename(e).slice(0, 10));
    expect(dry.stdout).toContain("alpha=0.1");
    expect(dry.stdout).toContain("kept 5 entries: 5 the pipeline resolves to");
    expect(existsSync(path.join(dir, ".dag/entries", gone[0] as string))).toBe(true);

    const real = await dag(dir, "gc");
    expect(real.exitCode).toBe(0);
    expect(real.stdout).toMatch(/^removed 3 entries/m);
    const after = [...entries(dir, "ridge").map((k) => `ridge/${k}`), ...entries(dir, "finetune").map((k) => `finetune/${k}`)];
    expect(after).toEqual(before.filter((e) => !gone.includes(e)));
    expect(existsSync(path.join(dir, "artifacts/ridge@alpha=0.1"))).toBe(false);
    expect(readdirSync(path.join(dir, ".dag/tmp"))).toEqual([]);
    clearRuns(dir);
    const rerun = await dag(dir, "run");
    expect(rerun.stdout).toMatch(/0 ran, 5 cached/);
    expect((await dag(dir, "gc")).stdout).toMatch(/^nothing to remove/m);
  });

  it("keeps entries behind artifacts/ links, the newest N with --keep-last, and waits for a running dag run", async () => {
    const dir = mlProject(mlPipeline());
    expect((await dag(dir, "run")).exitCode).toBe(0);
    const first = linkedKey(dir, "ridge");
    // Edited but not run: the old entries are what artifacts/ shows, so gc keeps them.
    write(dir, "pipeline.yaml", mlPipeline("", ", clip: 2"));
    expect((await dag(dir, "gc")).stdout).toMatch(/^nothing to remove/m);
    expect((await dag(dir, "run")).exitCode).toBe(0);
    expect(entries(dir, "ridge")).toHaveLength(2);
    expect((await dag(dir, "gc", "-n", "--keep-last", "2")).stdout).toMatch(/^nothing to remove/m);

    // A slow run holds the lock: gc waits for it, then removes only what the new pipeline no longer reaches.
    write(dir, "pipeline.yaml", mlPipeline("", ", clip: 3, sleep_ms: 1500"));
    const running = startDag(dir, "run");
    for (let i = 0; i < 200 && !existsSync(path.join(dir, ".dag/lock")); i++) await new Promise((r) => setTimeout(r, 25));
    const gc = await dag(dir, "gc");
    const run = await running;
    expect(run.exitCode).toBe(0);
    expect(gc.stdout).toContain("gc waits for it to finish");
    expect(gc.stdout).toMatch(/^removed 4 entries/m);
    expect(entries(dir, "ridge")).toEqual([linkedKey(dir, "ridge")]);
    expect(entries(dir, "ridge")).not.toContain(first);
    expect(statSync(path.join(dir, "artifacts/finetune/curve.json")).size).toBeGreaterThan(0);
  });
});
