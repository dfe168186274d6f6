// The select stage as a real child process on a hand-written fan-in job: the best k by the declared metric, ties to the earlier variant, clear failures.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
const work = mkdtempSync(path.join(tmpdir(), "dag-select-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function runSelect(values: (Record<string, number>)[], params: Record<string, unknown>, plain: Record<string, Record<string, number>> = {}): { status: number | null; stderr: string; outDir: string } {
  const dir = mkdtempSync(path.join(work, "run-"));
  const outDir = path.join(dir, "outs");
  mkdirSync(outDir);
  const members = values.map((metrics, i) => {
    const file = path.join(dir, `m${i}.json`);
    writeFileSync(file, JSON.stringify(metrics));
    return { stage: `finetune[seed=${i + 1}]`, variant: { seed: i + 1 }, params: { seed: i + 1, lr: 0.001 }, path: file };
  });
  const deps = Object.fromEntries(Object.entries(plain).map(([name, metrics]) => {
    const file = path.join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify(metrics));
    return [name, file];
  }));
  const job = { stage: "select", params, deps, ...(members.length > 0 ? { fanIn: { candidates: members } } : {}), outDir, seed: 0, outs: { "selected.json": path.join(outDir, "selected.json"), "metrics.json": path.join(outDir, "metrics.json") } };
  const jobFile = path.join(dir, "job.json");
  writeFileSync(jobFile, JSON.stringify(job));
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "stages/select.ts")], { cwd: ROOT, env: { ...process.env, DAG_JOB: jobFile }, encoding: "utf8" });
  // Run by hand (no IPC channel), a stage's reports go to stderr as `[type] …` lines: keep the rest.
  return { status: r.status, stderr: r.stderr.split("\n").filter((line) => !line.startsWith("[")).join("\n"), outDir };
}

describe("select", () => {
  it("keeps the top 2 by the metric (a tie goes to the earlier variant) and records the table", () => {
    const run = runSelect([{ mrr_batch100: 0.5 }, { mrr_batch100: 0.9 }, { mrr_batch100: 0.7 }, { mrr_batch100: 0.9 }], { metric: "mrr_batch100", top: 2 });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const selected = JSON.parse(readFileSync(path.join(run.outDir, "selected.json"), "utf8")) as { chosen: { stage: string; variant: object; params: object }[]; candidates: { value: number }[] };
    expect(selected.chosen.map((c) => c.stage)).toEqual(["finetune[seed=2]", "finetune[seed=4]"]);
    expect(selected.chosen[0]?.params).toEqual({ seed: 2, lr: 0.001 });
    expect(selected.candidates.map((c) => c.value)).toEqual([0.5, 0.9, 0.7, 0.9]);
    const metrics = JSON.parse(readFileSync(path.join(run.outDir, "metrics.json"), "utf8")) as Record<string, number>;
    expect(metrics).toMatchObject({ selected_mrr_batch100: 0.9, candidates: 4, chosen: 2, "finetune[seed=3] mrr_batch100": 0.7 });
  });

  it("goal: min keeps the smallest", () => {
    const run = runSelect([{ loss: 0.3 }, { loss: 0.1 }, { loss: 0.2 }], { metric: "loss", goal: "min" });
    expect(run.status).toBe(0);
    const selected = JSON.parse(readFileSync(path.join(run.outDir, "selected.json"), "utf8")) as { chosen: { stage: string }[] };
    expect(selected.chosen.map((c) => c.stage)).toEqual(["finetune[seed=2]"]);
  });

  it("a candidate without the metric is one clear error line naming the variant", () => {
    const run = runSelect([{ mrr_batch100: 0.5 }, { mrr_full: 0.2 }], { metric: "mrr_batch100" });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^error: stage select: finetune\[seed=2\] reports no finite "mrr_batch100" in .* \(it has: mrr_full\)\n?$/);
  });

  it("plain inputs are candidates before the fan-in, a metric list compares means, and a tie keeps the first listed", () => {
    const ridge = { mrr_batch100: 0.9, mrr_full: 0.5 };
    const tie = runSelect([], { metric: ["mrr_batch100", "mrr_full"] }, { ridge, finetune: { mrr_batch100: 0.8, mrr_full: 0.6 } });
    expect(tie.stderr).toBe("");
    expect(tie.status).toBe(0);
    const tied = JSON.parse(readFileSync(path.join(tie.outDir, "selected.json"), "utf8")) as { metric: string; why: string; chosen: { stage: string; metrics: object }[]; candidates: { stage: string; value: number; parts: object }[] };
    expect(tied.metric).toBe("mean(mrr_batch100, mrr_full)");
    expect(tied.chosen.map((c) => c.stage)).toEqual(["ridge"]);
    expect(tied.chosen[0]?.metrics).toEqual(ridge);
    expect(tied.candidates).toMatchObject([{ stage: "ridge", value: 0.7, parts: ridge }, { stage: "finetune", value: 0.7 }]);
    expect(tied.why).toBe("ridge ties finetune on mean(mrr_batch100, mrr_full) (0.7) and is listed first (the simpler)");
    const metrics = JSON.parse(readFileSync(path.join(tie.outDir, "metrics.json"), "utf8")) as Record<string, number>;
    expect(metrics).toMatchObject({ selected_mean: 0.7, candidates: 2, "ridge mean": 0.7, "finetune mean": 0.7 });

    const won = runSelect([{ mrr_batch100: 0.95, mrr_full: 0.53 }], { metric: ["mrr_batch100", "mrr_full"] }, { ridge, finetune: { mrr_batch100: 0.9, mrr_full: 0.56 } });
    expect(won.status).toBe(0);
    const picked = JSON.parse(readFileSync(path.join(won.outDir, "selected.json"), "utf8")) as { why: string; chosen: { stage: string }[]; candidates: { stage: string }[] };
    expect(picked.candidates.map((c) => c.stage)).toEqual(["ridge", "finetune", "finetune[seed=1]"]);
    expect(picked.chosen.map((c) => c.stage)).toEqual(["finetune[seed=1]"]);
    expect(picked.why).toMatch(/^finetune\[seed=1\] has the highest mean\(mrr_batch100, mrr_full\): 0\.74\d* against 0\.73\d* \(finetune\)$/);
  });

  it("with a margin, a later candidate is chosen first only when it is better by more than the margin", () => {
    const ridge = { mrr_batch100: 0.9, mrr_full: 0.5 };
    // finetune[seed=1] is better by 5e-9 (rounding), finetune[seed=2] by 0.002.
    const near = runSelect([{ mrr_batch100: 0.9, mrr_full: 0.50000001 }], { metric: ["mrr_batch100", "mrr_full"], margin: 0.0001 }, { ridge });
    expect(near.stderr).toBe("");
    expect(near.status).toBe(0);
    const kept = JSON.parse(readFileSync(path.join(near.outDir, "selected.json"), "utf8")) as { why: string; chosen: { stage: string }[] };
    expect(kept.chosen.map((c) => c.stage)).toEqual(["ridge"]);
    expect(kept.why).toBe("ridge within the margin 0.0001 of finetune[seed=1] on mean(mrr_batch100, mrr_full) (0.7) and is listed first (the simpler)");
    const far = runSelect([{ mrr_batch100: 0.9, mrr_full: 0.50000001 }, { mrr_batch100: 0.9, mrr_full: 0.504 }], { metric: ["mrr_batch100", "mrr_full"], margin: 0.0001, top: 2 }, { ridge });
    expect(far.status).toBe(0);
    const picked = JSON.parse(readFileSync(path.join(far.outDir, "selected.json"), "utf8")) as { chosen: { stage: string }[] };
    expect(picked.chosen.map((c) => c.stage)).toEqual(["finetune[seed=2]", "finetune[seed=1]"]);
    const bad = runSelect([{ mrr_batch100: 0.5 }], { margin: -1 });
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim()).toBe("error: stage select: params.margin must be a number ≥ 0, got -1");
  });

  it("a metric that is neither a name nor a list of names is one clear error line", () => {
    const run = runSelect([{ mrr_batch100: 0.5 }], { metric: [] });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^error: stage select: params\.metric must be a metric name or a non-empty list of them, got \[\]\n?$/);
  });
});
