// The finetune and export stages run as real child processes on a tiny data set (with the real ridge stage before them).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allMetrics } from "../../stages/lib/eval/metrics.js";
import { l2NormalizeRows } from "../../stages/lib/linalg/normalize.js";
import { writeIndex } from "../../stages/lib/io/npy-write.js";
import { readMatrix, readVector } from "../../stages/lib/protocol/stage-data.js";
import { readArray, withNpz } from "../../stages/lib/io/npz-archive.js";
import { projectorFromTensors, type NamedTensor } from "../../stages/lib/model/projector.js";
import { predictProjector } from "../../stages/lib/model/predictor.js";
import type { Compute } from "../../stages/lib/kernels/compute.js";
import { defaultCompute, NATIVE } from "./helpers/compute.js";
import { ok } from "../../stages/lib/core/result.js";
import { standardize, unstandardize, type Scaler } from "../../stages/lib/linalg/standardize.js";
import { METRIC_NAMES } from "../../stages/lib/train/train-loop.js";
import { maxAbsDiff } from "./helpers/torch-fixture.js";
import { makeTinyData, TINY, writeTinyData, type TinyData } from "./helpers/tiny-data.js";

const REPO = path.resolve(import.meta.dirname, "../..");

interface StageRun {
  readonly exitCode: number;
  readonly stderr: string;
  readonly outDir: string;
  readonly out: Record<string, string>;
}

/** Runs stages/MODULE.ts as the runner would: a job.json, DAG_JOB, cwd at the project root. */
async function runStage(root: string, name: string, params: Record<string, unknown>, deps: Record<string, string>, outs: string[], seed = 42, fanIn?: Record<string, { stage: string; path: string }[]>): Promise<StageRun> {
  const outDir = path.join(root, name);
  mkdirSync(outDir, { recursive: true });
  const out = Object.fromEntries(outs.map((o) => [o, path.join(outDir, o)]));
  const members = fanIn === undefined ? undefined : Object.fromEntries(Object.entries(fanIn).map(([k, list]) => [k, list.map((m) => ({ ...m, variant: {}, params: {} }))]));
  const job = { stage: name.replace(/-\d+$/, ""), params, deps, outDir, outs: out, seed, ...(members === undefined ? {} : { fanIn: members }) };
  const jobFile = path.join(root, `${name}.job.json`);
  writeFileSync(jobFile, JSON.stringify(job));
  const module = `stages/${job.stage}.ts`;
  const r = await execa(process.execPath, ["--import", "tsx", module], { cwd: REPO, reject: false, env: { DAG_JOB: jobFile, DAG_TF_BACKEND: "" } });
  return { exitCode: r.exitCode ?? -1, stderr: String(r.stderr), outDir, out };
}

const FINETUNE_PARAMS = {
  head: "resmlp", hidden: 16, depth: 2, dropout: 0.1, epochs: 4, batch_size: 64, lr: 0.003, weight_decay: 0.005,
  warmup_epochs: 1, grad_clip: 1.0, clip: 8, loss: { mse: 0.5, cosine: 0.5, infonce: 0.2 }, temperature: 0.1,
  patience: 0, select: "mrr_full",
};
const FINETUNE_OUTS = ["weights.npz", "val_queries.npy", "curve.json", "settings.json", "metrics.json"];
const REFIT_OUTS = ["weights.npz", "curve.json", "metrics.json"];
const RIDGE_OUTS = ["W.npy", "bias.npy", "x_mean.npy", "x_std.npy", "y_mean.npy", "y_std.npy", "metrics.json"];

function readJson(file: string): any {
  return JSON.parse(readFileSync(file, "utf8"));
}

async function readWeights(file: string): Promise<NamedTensor[]> {
  const read = await withNpz(file, async (archive) => {
    const out: NamedTensor[] = [];
    for (const key of archive.members.keys()) {
      const a = await readArray(archive, key);
      if (!a.ok) return a;
      out.push({ name: key, shape: a.value.shape, data: a.value.data as Float32Array });
    }
    return ok(out);
  });
  if (!read.ok) throw new Error(read.error.message);
  return read.value;
}

function scalerFrom(meanFile: string, stdFile: string): Scaler {
  return { mean: Float64Array.from(readVector(meanFile)), std: Float64Array.from(readVector(stdFile)) };
}

describe("finetune and export stages", () => {
  let root: string;
  let data: TinyData;
  let files: Record<string, string>;
  let ridge: StageRun;
  let first: StageRun;
  let second: StageRun;
  let compute: Compute;

  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), "dag-finetune-"));
    data = makeTinyData();
    files = writeTinyData(root, data);
    ridge = await runStage(root, "ridge", { alpha: 0.03, clip: 8, intercept: false }, {
      captions: files.captions!, images: files.images!, labels: files.labels!, train_idx: files.train_idx!, val_idx: files.val_idx!,
    }, RIDGE_OUTS);
    expect(ridge.stderr).not.toMatch(/error/i);
    expect(ridge.exitCode).toBe(0);
    const deps = finetuneDeps();
    [first, second] = await Promise.all([
      runStage(root, "finetune-1", FINETUNE_PARAMS, deps, FINETUNE_OUTS),
      runStage(root, "finetune-2", FINETUNE_PARAMS, deps, FINETUNE_OUTS),
    ]);
    compute = await defaultCompute();
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  function finetuneDeps(): Record<string, string> {
    return {
      captions: files.captions!, images: files.images!, labels: files.labels!, train_idx: files.train_idx!, val_idx: files.val_idx!,
      W: ridge.out["W.npy"]!, bias: ridge.out["bias.npy"]!, x_mean: ridge.out["x_mean.npy"]!, x_std: ridge.out["x_std.npy"]!,
      y_mean: ridge.out["y_mean.npy"]!, y_std: ridge.out["y_std.npy"]!,
    };
  }

  function exportDeps(testIds = files.test_ids!): Record<string, string> {
    return {
      test_captions: files.test_captions!, test_ids: testIds, test_images: files.test_images!,
      W: ridge.out["W.npy"]!, bias: ridge.out["bias.npy"]!, x_mean: ridge.out["x_mean.npy"]!, x_std: ridge.out["x_std.npy"]!,
      y_mean: ridge.out["y_mean.npy"]!, y_std: ridge.out["y_std.npy"]!, weights: first.out["weights.npz"]!,
    };
  }

  it("trains, reports the backend and writes its four outputs", () => {
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stderr).toContain(NATIVE ? '"backend":"native"' : '"backend":"wasm"');
    expect(first.stderr).toMatch(/"phase":"epoch 4\/4"/);
    const curve = readJson(first.out["curve.json"]!);
    expect(curve.map((r: { epoch: number }) => r.epoch)).toEqual([0, 1, 2, 3, 4]);
    expect(curve[0].loss).toBeNull();
    for (const r of curve.slice(1)) {
      expect(Number.isFinite(r.loss) && Number.isFinite(r.lr) && r.seconds >= 0).toBe(true);
      for (const k of METRIC_NAMES) expect(r[k]).toBeGreaterThanOrEqual(0);
    }
    const metrics = readJson(first.out["metrics.json"]!);
    expect(metrics.epochs_run).toBe(4);
    const best = curve[metrics.best_epoch];
    for (const k of METRIC_NAMES) expect(metrics[k]).toBe(best[k]);
    expect(Math.max(...curve.map((r: Record<string, number>) => r.mrr_full))).toBe(metrics.mrr_full);
  });

  it("starts from the ridge map: epoch 0 has ridge's validation metrics", () => {
    const curve = readJson(first.out["curve.json"]!);
    const ridgeMetrics = readJson(ridge.out["metrics.json"]!);
    for (const k of METRIC_NAMES) expect(curve[0][k], k).toBeCloseTo(ridgeMetrics[k], 6);
  });

  it("scales the ridge map by the power of two that brings its training predictions to RMS ≈ 1, and records its settings", () => {
    const W = readMatrix(ridge.out["W.npy"]!);
    const sx = scalerFrom(ridge.out["x_mean.npy"]!, ridge.out["x_std.npy"]!);
    const xs = standardize(data.captions, sx, 8, data.trainIdx);
    let sum = 0;
    for (let r = 0; r < xs.rows; r++) {
      for (let j = 0; j < W.cols; j++) {
        let v = 0;
        for (let k = 0; k < W.rows; k++) v += (xs.data[r * xs.cols + k] as number) * (W.data[k * W.cols + j] as number);
        sum += v * v;
      }
    }
    const rms = Math.sqrt(sum / (xs.rows * W.cols));
    const metrics = readJson(first.out["metrics.json"]!);
    expect(metrics.prediction_scale).toBe(2 ** Math.round(-Math.log2(rms)));
    expect(metrics.mrr_mean).toBe((metrics.mrr_full + metrics.mrr_batch100) / 2);
    const settings = readJson(first.out["settings.json"]!);
    expect(settings).toMatchObject({ head: "resmlp", hidden: 16, depth: 2, clip: 8, rescale: true, best_epoch: metrics.best_epoch });
    expect(settings.options).toMatchObject({ epochs: 4, batchSize: 64, lr: 0.003, loss: { weights: { mse: 0.5, cosine: 0.5, infonce: 0.2 }, temperature: 0.1 } });
  });

  it("refits on train + validation captions for the kept epoch count, or trains nothing when the select chose another head", async () => {
    const all = Int32Array.from([...data.trainIdx, ...data.valIdx]).sort();
    const best = readJson(first.out["metrics.json"]!).best_epoch as number;
    const chosen = (stage: string): string => {
      const file = path.join(root, `chosen-${stage}.json`);
      writeFileSync(file, JSON.stringify({ chosen: [{ stage }] }));
      return file;
    };
    const deps = { ...finetuneDeps(), settings: first.out["settings.json"]! };
    const [won, lost] = await Promise.all([
      runStage(root, "finetune-3", { refit: true }, { ...deps, chosen: chosen("finetune") }, REFIT_OUTS),
      runStage(root, "finetune-4", { refit: true }, { ...deps, chosen: chosen("ridge") }, REFIT_OUTS),
    ]);
    expect(won.exitCode, won.stderr).toBe(0);
    expect(readJson(won.out["metrics.json"]!)).toMatchObject({ refit_captions: all.length, trained: 1, epochs_run: best });
    expect(readJson(won.out["curve.json"]!).map((r: { epoch: number }) => r.epoch)).toEqual(Array.from({ length: best + 1 }, (_, i) => i));
    expect(lost.exitCode, lost.stderr).toBe(0);
    expect(readJson(lost.out["metrics.json"]!)).toMatchObject({ refit_captions: all.length, trained: 0, epochs_run: 0 });
    // Untrained: the scaled ridge map and residual blocks whose last layer is zero.
    const tensors = await readWeights(lost.out["weights.npz"]!);
    const scale = readJson(lost.out["metrics.json"]!).prediction_scale as number;
    const W = readMatrix(ridge.out["W.npy"]!);
    expect(tensors.find((t) => t.name === "base/weight")!.data).toEqual(W.data.map((v) => v * scale));
    expect(tensors.find((t) => t.name === "res/1/fc2/weight")!.data.every((v) => v === 0)).toBe(true);
  });

  it("refits the member of a fan-in of settings that the select chose, and nothing when it chose none of them", async () => {
    const best = readJson(first.out["metrics.json"]!).best_epoch as number;
    // A second copy's settings.json: another learning rate, one kept epoch.
    const other = path.join(root, "settings-other.json");
    const saved = readJson(first.out["settings.json"]!);
    writeFileSync(other, JSON.stringify({ ...saved, options: { ...saved.options, lr: 0.001 }, best_epoch: best === 1 ? 2 : 1 }));
    const members = { settings: [{ stage: "finetune[lr=0.003]", path: first.out["settings.json"]! }, { stage: "finetune[lr=0.001]", path: other }] };
    const chosen = (stage: string): string => {
      const file = path.join(root, `chosen-fan-${stage}.json`);
      writeFileSync(file, JSON.stringify({ chosen: [{ stage }] }));
      return file;
    };
    const [a, b, none] = await Promise.all(["finetune[lr=0.003]", "finetune[lr=0.001]", "ridge"].map((stage, i) =>
      runStage(root, `finetune-${20 + i}`, { refit: true }, { ...finetuneDeps(), chosen: chosen(stage) }, REFIT_OUTS, 42, members)));
    expect(a!.exitCode, a!.stderr).toBe(0);
    expect(readJson(a!.out["metrics.json"]!)).toMatchObject({ trained: 1, epochs_run: best });
    expect(b!.exitCode, b!.stderr).toBe(0);
    expect(readJson(b!.out["metrics.json"]!)).toMatchObject({ trained: 1, epochs_run: best === 1 ? 2 : 1 });
    expect(readJson(b!.out["curve.json"]!).at(-1).lr).not.toBe(readJson(a!.out["curve.json"]!).at(-1).lr);
    expect(none!.exitCode, none!.stderr).toBe(0);
    expect(readJson(none!.out["metrics.json"]!)).toMatchObject({ trained: 0, epochs_run: 0 });
  });

  it("writes weights that reproduce the saved validation predictions", async () => {
    const made = projectorFromTensors(await readWeights(first.out["weights.npz"]!));
    if (!made.ok) throw new Error(made.error.message);
    expect(made.value.shape).toEqual({ dIn: TINY.text, dOut: TINY.image, hidden: 16, depth: 2 });
    const sx = scalerFrom(ridge.out["x_mean.npy"]!, ridge.out["x_std.npy"]!);
    const valQueries = readMatrix(first.out["val_queries.npy"]!);
    const predicted = await predictProjector(compute, made.value, standardize(data.captions, sx, undefined, data.valIdx));
    expect(valQueries.rows).toBe(data.valIdx.length);
    expect(maxAbsDiff(predicted.data, valQueries.data)).toBeLessThan(1e-5);
    const sy = scalerFrom(ridge.out["y_mean.npy"]!, ridge.out["y_std.npy"]!);
    const metrics = allMetrics(compute.gemm, valQueries, standardize(data.images, sy), data.valIdx.map((i) => data.labels[i] as number));
    expect(metrics.mrr_full).toBeCloseTo(readJson(first.out["metrics.json"]!).mrr_full, 12);
  });

  it("is deterministic for a seed: a second run writes the same bytes", () => {
    expect(second.exitCode, second.stderr).toBe(0);
    for (const file of ["weights.npz", "val_queries.npy", "metrics.json"]) {
      expect(readFileSync(second.out[file]!).equals(readFileSync(first.out[file]!)), file).toBe(true);
    }
    const strip = (c: Record<string, unknown>[]) => c.map(({ seconds: _s, eval_seconds: _e, ...rest }) => rest);
    expect(strip(readJson(second.out["curve.json"]!))).toEqual(strip(readJson(first.out["curve.json"]!)));
  });

  it("exports the fine-tuned projector in raw image space, L2-normalised, and scores it", async () => {
    const run = await runStage(root, "export", { model: "finetune", space: "raw", normalize: true, clip: 8 }, exportDeps(), ["submission.csv", "metrics.json"]);
    expect(run.exitCode, run.stderr).toBe(0);
    const lines = readFileSync(run.out["submission.csv"]!, "utf8").trimEnd().split("\n");
    expect(lines[0]).toBe("id,embedding");
    expect(lines.length).toBe(TINY.test + 1);
    const rows = lines.slice(1).map((l) => /^(\d+),"(\[.*\])"$/.exec(l)!);
    expect(rows.map((m) => Number(m[1]))).toEqual(Array.from(data.testIds));
    const submitted = new Float32Array(TINY.test * TINY.image);
    rows.forEach((m, i) => submitted.set(JSON.parse(m[2]!) as number[], i * TINY.image));

    const made = projectorFromTensors(await readWeights(first.out["weights.npz"]!));
    if (!made.ok) throw new Error(made.error.message);
    const sx = scalerFrom(ridge.out["x_mean.npy"]!, ridge.out["x_std.npy"]!);
    const sy = scalerFrom(ridge.out["y_mean.npy"]!, ridge.out["y_std.npy"]!);
    const want = l2NormalizeRows(unstandardize(await predictProjector(compute, made.value, standardize(data.testCaptions, sx, 8)), sy));
    expect(maxAbsDiff(submitted, want.data)).toBeLessThan(1e-6);

    const metrics = readJson(run.out["metrics.json"]!);
    const scored = allMetrics(compute.gemm, { rows: TINY.test, cols: TINY.image, data: submitted }, data.testImages, Int32Array.from({ length: TINY.test }, (_, i) => i));
    expect(metrics.rows).toBe(TINY.test);
    for (const k of METRIC_NAMES) expect(metrics[`test_${k}`], k).toBeCloseTo(scored[k], 12);
    expect(metrics.test_mrr_full).toBeGreaterThan(0.2);
  });

  it("averages the L2-normalised predictions of an ensemble's members, those the select chose, and names a choice among none of them", async () => {
    const selected = (stages: string[]): string => {
      const file = path.join(root, `selected-${stages.join("+")}.json`);
      writeFileSync(file, JSON.stringify({ chosen: stages.map((stage) => ({ stage })) }));
      return file;
    };
    const models = { models: [{ stage: "finetune[seed=1]", path: first.out["weights.npz"]! }, { stage: "finetune[seed=2]", path: first.out["weights.npz"]! }] };
    const params = { model: "finetune", space: "raw", normalize: true, clip: 8 };
    const outs = ["submission.csv", "metrics.json"];
    const [both, one, none] = await Promise.all([
      runStage(root, "export-10", params, { ...exportDeps(), selected: selected(["finetune[seed=2]", "finetune[seed=1]"]) }, outs, 42, models),
      runStage(root, "export-11", params, { ...exportDeps(), selected: selected(["finetune[seed=2]"]) }, outs, 42, models),
      runStage(root, "export-12", params, { ...exportDeps(), selected: selected(["finetune[seed=9]"]) }, outs, 42, models),
    ]);
    expect(both.exitCode, both.stderr).toBe(0);
    expect(readJson(both.out["metrics.json"]!).ensemble_members).toBe(2);
    expect(one.exitCode, one.stderr).toBe(0);
    expect(readJson(one.out["metrics.json"]!).ensemble_members).toBe(1);
    // Two copies of one model average to that model's own unit predictions.
    const made = projectorFromTensors(await readWeights(first.out["weights.npz"]!));
    if (!made.ok) throw new Error(made.error.message);
    const sx = scalerFrom(ridge.out["x_mean.npy"]!, ridge.out["x_std.npy"]!);
    const sy = scalerFrom(ridge.out["y_mean.npy"]!, ridge.out["y_std.npy"]!);
    const want = l2NormalizeRows(unstandardize(await predictProjector(compute, made.value, standardize(data.testCaptions, sx, 8)), sy));
    const submitted = new Float32Array(TINY.test * TINY.image);
    readFileSync(both.out["submission.csv"]!, "utf8").trimEnd().split("\n").slice(1).forEach((l, i) => submitted.set(JSON.parse(/"(\[.*\])"$/.exec(l)![1]!) as number[], i * TINY.image));
    expect(maxAbsDiff(submitted, want.data)).toBeLessThan(1e-6);
    expect(none.exitCode).toBe(1);
    expect(none.stderr.trim().split("\n").at(-1)).toMatch(/^error: stage export: .*selected-finetune\[seed=9\]\.json chose none of the models \(finetune\[seed=1\], finetune\[seed=2\]\)$/);
  });

  it("exports the ridge map in standardised and dual space without normalising", async () => {
    const run = await runStage(root, "export-2", { model: "ridge", space: "standardized", normalize: false, clip: 8 }, exportDeps(), ["submission.csv", "metrics.json"]);
    expect(run.exitCode, run.stderr).toBe(0);
    const lines = readFileSync(run.out["submission.csv"]!, "utf8").trimEnd().split("\n").slice(1);
    const W = readMatrix(ridge.out["W.npy"]!);
    const bias = readVector(ridge.out["bias.npy"]!);
    const xs = standardize(data.testCaptions, scalerFrom(ridge.out["x_mean.npy"]!, ridge.out["x_std.npy"]!), 8);
    const got = JSON.parse(/"(\[.*\])"$/.exec(lines[7]!)![1]!) as number[];
    const want = Array.from({ length: W.cols }, (_, j) => {
      let s = bias[j] as number;
      for (let k = 0; k < W.rows; k++) s += (xs.data[7 * xs.cols + k] as number) * (W.data[k * W.cols + j] as number);
      return s;
    });
    expect(maxAbsDiff(got, want)).toBeLessThan(1e-4);

    const dual = await runStage(root, "export-4", { model: "ridge", space: "dual", normalize: false, clip: 8 }, exportDeps(), ["submission.csv", "metrics.json"]);
    expect(dual.exitCode, dual.stderr).toBe(0);
    const dualRow = JSON.parse(/"(\[.*\])"$/.exec(readFileSync(dual.out["submission.csv"]!, "utf8").split("\n")[8]!)![1]!) as number[];
    const yStd = readVector(ridge.out["y_std.npy"]!);
    expect(maxAbsDiff(dualRow, got.map((v, j) => v / (yStd[j] as number)))).toBeLessThan(1e-5);
  });

  it("model: selected exports the head the input `head` chose (finetune's copies too), and names a chosen it cannot export", async () => {
    const head = (stage: string): string => {
      const file = path.join(root, `head-${stage}.json`);
      writeFileSync(file, JSON.stringify({ chosen: [{ stage }] }));
      return file;
    };
    const [ridgeRun, finetuneRun, byName, variant, bad] = await Promise.all([
      runStage(root, "export-5", { model: "selected", space: "dual" }, { ...exportDeps(), head: head("ridge") }, ["submission.csv", "metrics.json"]),
      runStage(root, "export-6", { model: "selected", space: "dual" }, { ...exportDeps(), head: head("finetune") }, ["submission.csv", "metrics.json"]),
      runStage(root, "export-7", { model: "ridge", space: "dual" }, exportDeps(), ["submission.csv", "metrics.json"]),
      runStage(root, "export-8", { model: "selected", space: "dual" }, { ...exportDeps(), head: head("finetune[lr=0.001]") }, ["submission.csv", "metrics.json"]),
      runStage(root, "export-9", { model: "selected" }, { ...exportDeps(), head: head("pca") }, ["submission.csv", "metrics.json"]),
    ]);
    expect(ridgeRun.exitCode, ridgeRun.stderr).toBe(0);
    expect(readFileSync(ridgeRun.out["submission.csv"]!).equals(readFileSync(byName.out["submission.csv"]!))).toBe(true);
    expect(readJson(ridgeRun.out["metrics.json"]!).finetuned).toBe(0);
    expect(finetuneRun.exitCode, finetuneRun.stderr).toBe(0);
    expect(readJson(finetuneRun.out["metrics.json"]!).finetuned).toBe(1);
    // A copy of finetune (a foreach variant) is the fine-tuned head, refitted into the same weights input.
    expect(variant.exitCode, variant.stderr).toBe(0);
    expect(readFileSync(variant.out["submission.csv"]!).equals(readFileSync(finetuneRun.out["submission.csv"]!))).toBe(true);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr.trim().split("\n").at(-1)).toMatch(/^error: stage export: .*head-pca\.json chose "pca", expected "ridge", "finetune" or a variant finetune\[…\]/);
  });

  it("fails with both counts when test ids and test captions disagree", async () => {
    const ids = path.join(root, "short_ids.npy");
    writeIndex(ids, data.testIds.subarray(0, TINY.test - 1));
    const run = await runStage(root, "export-3", { model: "ridge" }, exportDeps(ids), ["submission.csv", "metrics.json"]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr.trim().split("\n").at(-1)).toBe(`error: stage export: test_ids has ${TINY.test - 1} ids but test_captions has ${TINY.test} rows`);
  });
});
