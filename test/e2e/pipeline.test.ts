// End-to-end: the real pipeline.yaml through the real CLI, shrunk to a small synthetic size.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { addRepoStages } from "../../bench/repo-project.js";
import { dag, REPO } from "./project.js";

const METRIC_KEYS = ["mrr_full", "r1_full", "r5_full", "r10_full", "mrr_batch100", "r1_batch100", "r5_batch100", "r10_batch100"];

/** The repo's pipeline.yaml with the data and the model made small enough for a test. */
function smallPipeline(): string {
  const yaml = readFileSync(path.join(REPO, "pipeline.yaml"), "utf8");
  const replaced = yaml
    .replace(/images: 2000\b/, "images: 300")
    .replace(/test_captions: 1500\b/, "test_captions: 250")
    .replace(/hidden: 1024\b/, "hidden: 64")
    .replace(/epochs: \d+/, "epochs: 2")
    .replace(/batch_size: \d+/, "batch_size: 256");
  for (const part of ["images: 300", "test_captions: 250", "hidden: 64", "epochs: 2", "batch_size: 256"]) {
    if (!replaced.includes(part)) throw new Error(`pipeline.yaml changed shape: could not set ${part}`);
  }
  return replaced;
}

function project(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "dag-pipeline-"));
  addRepoStages(dir);
  mkdirSync(path.join(dir, "data"));
  writeFileSync(path.join(dir, "data/README.md"), "test data folder\n");
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: "module", private: true }));
  writeFileSync(path.join(dir, "pipeline.yaml"), smallPipeline());
  return dir;
}

function json(dir: string, file: string): Record<string, number> {
  return JSON.parse(readFileSync(path.join(dir, file), "utf8")) as Record<string, number>;
}

describe("the default pipeline, small", () => {
  it("--until ridge stops after ridge; a full run writes a valid submission and metrics for every stage", async () => {
    const dir = project();
    const until = await dag(dir, "run", "--until", "ridge");
    expect(until.stderr).toBe("");
    expect(until.exitCode).toBe(0);
    expect(existsSync(path.join(dir, "artifacts/ridge/W.npy"))).toBe(true);
    for (const later of ["pca", "baseline-eval", "ridge-refit", "finetune", "finetune@lr=0.0002", "head", "finetune-refit", "export"]) expect(existsSync(path.join(dir, "artifacts", later))).toBe(false);

    const full = await dag(dir, "run");
    expect(full.exitCode).toBe(0);
    expect(full.stdout).toMatch(/8 ran, 2 cached/);
    // ridge chose its alpha and whitening on validation (the table in candidates.json); the refit used every caption.
    const candidates = JSON.parse(readFileSync(path.join(dir, "artifacts/ridge/candidates.json"), "utf8")) as { chosen: { mrr_batch100: number }; candidates: { mrr_batch100: number }[]; ranks: { mrr_batch100: number }[] };
    expect(candidates.candidates.length).toBeGreaterThan(1);
    expect(candidates.chosen.mrr_batch100).toBe(Math.max(...candidates.candidates.map((c) => c.mrr_batch100)));
    // The kept map scores on validation what the grid (or, when a reduced rank won, the rank table) said it would.
    const best = Math.max(candidates.chosen.mrr_batch100, ...candidates.ranks.map((r) => r.mrr_batch100));
    expect(json(dir, "artifacts/ridge/metrics.json")["mrr_batch100"]).toBeCloseTo(best, 3);
    expect(json(dir, "artifacts/ridge-refit/metrics.json")["refit_captions"]).toBe(1500);

    // The head: ridge and finetune's two learning-rate copies compared on the same validation
    // captions and gallery. Epoch 0 of finetune is the ridge map (scaled by a power of two), so its
    // metrics are ridge's to the bit.
    const ridgeMetrics = json(dir, "artifacts/ridge/metrics.json");
    const copies = [["finetune[lr=0.0001]", "finetune"], ["finetune[lr=0.0002]", "finetune@lr=0.0002"]] as const;
    for (const [, link] of copies) {
      const curve = JSON.parse(readFileSync(path.join(dir, `artifacts/${link}/curve.json`), "utf8")) as Record<string, number>[];
      for (const key of METRIC_KEYS) expect(curve[0]?.[key], `${link} ${key}`).toBe(ridgeMetrics[key]);
    }
    const mean = (m: Record<string, number>): number => ((m["mrr_batch100"] as number) + (m["mrr_full"] as number)) / 2;
    const head = JSON.parse(readFileSync(path.join(dir, "artifacts/head/selected.json"), "utf8")) as { chosen: { stage: string }[]; candidates: { stage: string; value: number }[]; why: string };
    const rows = [{ stage: "ridge", metrics: ridgeMetrics }, ...copies.map(([stage, link]) => ({ stage, metrics: json(dir, `artifacts/${link}/metrics.json`) }))];
    expect(head.candidates.map((c) => c.stage)).toEqual(rows.map((r) => r.stage));
    expect(head.candidates.map((c) => c.value)).toEqual(rows.map((r) => mean(r.metrics)));
    // In listed order, a candidate replaces the one kept only when better by more than head's margin (1e-4): near-ties keep ridge.
    const winner = rows.reduce((a, b) => (mean(b.metrics) - mean(a.metrics) > 1e-4 ? b : a));
    expect(head.chosen[0]?.stage).toBe(winner.stage);
    expect(head.why).toContain(winner.stage);
    // The refit of the fine-tuned head trains the winner's kept epochs on every caption, or nothing when ridge won; export uses the winner.
    const tuned = winner.stage !== "ridge";
    const refit = json(dir, "artifacts/finetune-refit/metrics.json");
    expect(refit).toMatchObject({ refit_captions: 1500, trained: tuned ? 1 : 0, epochs_run: tuned ? winner.metrics["best_epoch"] : 0 });
    expect(json(dir, "artifacts/export/metrics.json")["finetuned"]).toBe(tuned ? 1 : 0);

    for (const stage of ["baseline-eval", "ridge", "finetune"]) {
      const metrics = json(dir, `artifacts/${stage}/metrics.json`);
      for (const key of METRIC_KEYS) {
        // Recall at chance can be exactly 0 for the baseline; an MRR is always positive.
        expect(metrics[key], `${stage} ${key}`).toBeGreaterThanOrEqual(key.startsWith("mrr") ? Number.MIN_VALUE : 0);
        expect(metrics[key], `${stage} ${key}`).toBeLessThanOrEqual(1);
      }
    }
    const test = json(dir, "artifacts/export/metrics.json");
    for (const key of METRIC_KEYS) expect(test[`test_${key}`], key).toBeGreaterThan(0.05);
    // Learning helps: ridge is far above the no-learning baseline on held-out images.
    expect(json(dir, "artifacts/ridge/metrics.json")["mrr_full"]).toBeGreaterThan(2 * (json(dir, "artifacts/baseline-eval/metrics.json")["mrr_full"] as number));

    const csv = readFileSync(path.join(dir, "artifacts/export/submission.csv"), "utf8").trimEnd().split("\n");
    expect(csv[0]).toBe("id,embedding");
    expect(csv).toHaveLength(251);
    csv.slice(1).forEach((line, i) => {
      const match = /^(\d+),"(\[.*\])"$/.exec(line);
      expect(match, line.slice(0, 40)).not.toBeNull();
      expect(Number(match?.[1])).toBe(i + 1);
      const vector = JSON.parse(match?.[2] as string) as number[];
      expect(vector).toHaveLength(1536);
      expect(vector.every(Number.isFinite)).toBe(true);
    });

    const status = JSON.parse((await dag(dir, "status", "--json")).stdout) as { stages: { name: string; state: string; meta: Record<string, unknown> }[] };
    expect(status.stages.map((s) => s.state)).toEqual(Array(10).fill("cached"));
    // npm install builds the native kernels on this machine (DAG_NATIVE=0 turns them off: tfjs then).
    const native = process.env["DAG_NATIVE"] !== "0";
    expect(status.stages.find((s) => s.name === "finetune[lr=0.0001]")?.meta["backend"]).toMatch(native ? /^native$/ : /^(tensorflow|wasm|cpu)$/);
    expect(status.stages.find((s) => s.name === "finetune[lr=0.0001]")?.meta["kernels"]).toMatch(native ? /^native (avx512|avx2|portable)( · .+)?$/ : /^tfjs (tensorflow|wasm|cpu) \(native /);

    // The synthetic pipeline reads no data file: the challenge's files arriving in data/ change nothing.
    writeFileSync(path.join(dir, "data/train.npz"), "not yet the real file\n");
    writeFileSync(path.join(dir, "data/captions.txt"), "id,caption\n1,a dog\n");
    const after = JSON.parse((await dag(dir, "status", "--json")).stdout) as { stages: { name: string; state: string }[] };
    expect(after.stages.map((s) => s.state)).toEqual(Array(10).fill("cached"));
  }, 300_000);

  it("source: files reads the files named as load's inputs, and replacing one re-runs load", async () => {
    const dir = project();
    const yaml = readFileSync(path.join(dir, "pipeline.yaml"), "utf8")
      .replace(/source: synthetic\b/, "source: files")
      .replace(/( {4}params:\n {6}source: files)/, "    deps:\n      train: data/train.npz\n      test: data/test.clean.npz\n$1");
    writeFileSync(path.join(dir, "pipeline.yaml"), yaml);
    const { generateSynthetic } = await import("../../stages/lib/data/synthetic.js");
    const { writeSyntheticFiles } = await import("../../stages/lib/data/synthetic-files.js");
    await writeSyntheticFiles(path.join(dir, "data"), generateSynthetic({ images: 40, captionsPerImage: 5, testCaptions: 20, seed: 3 }));
    const first = await dag(dir, "run", "--until", "load");
    expect(first.exitCode, first.stdout + first.stderr).toBe(0);
    expect((json(dir, "artifacts/load/summary.json") as unknown as { counts: object }).counts).toMatchObject({ images: 40, test_captions: 20 });
    await writeSyntheticFiles(path.join(dir, "data"), generateSynthetic({ images: 50, captionsPerImage: 5, testCaptions: 20, seed: 3 }));
    const status = JSON.parse((await dag(dir, "status", "--json", "load")).stdout) as { stages: { name: string; state: string; reasons: string[] }[] };
    expect(status.stages[0]?.state).toBe("stale");
    const second = await dag(dir, "run", "--until", "load");
    expect(second.exitCode).toBe(0);
    expect((json(dir, "artifacts/load/summary.json") as unknown as { counts: object }).counts).toMatchObject({ images: 50 });
  }, 300_000);
});
