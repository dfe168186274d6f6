// Stage ridge: standardise both sides on the training split and fit the closed-form ridge map.
//
// Captions are standardised with the mean/std of the training captions, images with those of the
// images of the training captions (one row per caption, as the reference does), both clipped to
// ±params.clip for the fit. W = (XᵀX + αI)⁻¹XᵀY in float64, computed over the distinct training
// images (see RidgeOptions.yRows). Validation, like the reference: captions[val_idx] standardised
// (not clipped) and mapped through W (+ bias), against the whole standardised (not clipped) image
// gallery, or with params.space (export's) the vectors export would submit against the raw images,
// as the leaderboard scores them (validationScoring); metrics.json holds the eight retrieval
// metrics and the map's orthogonality drift.
//
// With params.alphas (a grid relative to the mean eigenvalue of XᵀX) and optionally params.whiten
// (gallery-whitening strengths e, `none` for none), every (alpha, e) is scored on validation by
// params.select (mrr_batch100 | mrr_full) from one eigendecomposition, the best is kept (W = W(α)·M_e,
// so export and finetune use it unchanged) and candidates.json records the table; the grid is scored
// in standardised space, where batch100 ranks exactly as a dual submission does. params.ranks
// then tries reduced-rank maps at that alpha and whitening, kept only when better on validation.
// params.head: procrustes replaces the ridge map by the orthogonal Procrustes map (U·Vᵀ of XᵀY). With
// params.refit, the settings come from the input `selected` (such a candidates.json) and the map is
// fitted on train + validation captions (scalers included): the submission's model uses every image.
import { StageError, choiceParam, depPath, outPath, param, runStage, writeMetrics } from "./lib/protocol/job.js";
import { multiply } from "./lib/linalg/products.js";
import { scoreValidation } from "./lib/eval/submission-space.js";
import { writeMatrix, writeVector } from "./lib/io/npy-write.js";
import { fitRidge, orthogonalityDrift } from "./lib/linalg/ridge.js";
import { StageProgress } from "./lib/protocol/progress.js";
import { rowUpdatesOf, stageCompute } from "./lib/protocol/stage-compute.js";
import { compose, readTrainingData } from "./lib/protocol/stage-data.js";
import { validationScoring } from "./lib/protocol/validation-scoring.js";
import { fitScaler, standardize } from "./lib/linalg/standardize.js";
import { procrustesMap, fittedBasis, fitRidgePath, fitWhitening, linearMap, reduceRank, shrinkage, whiten, whiteningScale } from "./lib/linalg/ridge-path.js";
import { retrievalMetrics } from "./lib/eval/metrics.js";
import { bestCandidate, scoreGrid, type GridCandidate } from "./lib/eval/linear-grid.js";
import { lapackOf } from "./lib/protocol/stage-compute.js";
import { readFileSync, writeFileSync } from "node:fs";
import type { Job } from "./lib/protocol/job.js";
import type { Matrix, Matrix64 } from "./lib/core/matrix.js";

/** The grid params: alphas relative to the mean eigenvalue of XᵀX, whitening strengths (Infinity = none). */
/** params.ranks: reduced ranks to try (each < the image width); empty when absent. */
function rankGrid(job: Job, width: number): number[] {
  const ranks = job.params["ranks"];
  if (ranks === undefined || ranks === null) return [];
  if (!Array.isArray(ranks) || !ranks.every((r) => Number.isInteger(r) && r >= 1 && r < width)) {
    throw new StageError(`stage ${job.stage}: params.ranks must be a list of integers in [1, ${width - 1}], got ${JSON.stringify(ranks)}`);
  }
  return ranks as number[];
}

function gridOf(job: Job): { alphas: number[]; whiten: number[]; rank?: number; head?: "ridge" | "procrustes" } | undefined {
  const alphas = job.params["alphas"];
  if (alphas === undefined || alphas === null) return undefined;
  if (!Array.isArray(alphas) || alphas.length === 0 || !alphas.every((a) => typeof a === "number" && a > 0)) {
    throw new StageError(`stage ${job.stage}: params.alphas must be a non-empty list of numbers > 0, got ${JSON.stringify(alphas)}`);
  }
  const whiten = job.params["whiten"] ?? ["none"];
  if (!Array.isArray(whiten) || whiten.length === 0 || !whiten.every((e) => e === "none" || (typeof e === "number" && e > 0))) {
    throw new StageError(`stage ${job.stage}: params.whiten must be a non-empty list of numbers > 0 or "none", got ${JSON.stringify(whiten)}`);
  }
  return { alphas: alphas as number[], whiten: (whiten as (number | string)[]).map((e) => (e === "none" ? Infinity : (e as number))) };
}

/** The settings a grid chose (the `selected` input, a ridge's candidates.json), for a refit. */
function selectedSettings(job: Job): { alphas: number[]; whiten: number[]; rank?: number; head?: "ridge" | "procrustes" } {
  const file = depPath(job, "selected");
  const chosen = (JSON.parse(readFileSync(file, "utf8")) as { chosen?: { alpha?: unknown; whiten?: unknown; rank?: unknown; head?: unknown } }).chosen;
  const alpha = chosen?.alpha;
  const whiten = chosen?.whiten;
  if (typeof alpha !== "number" || !(whiten === "none" || typeof whiten === "number")) {
    throw new StageError(`stage ${job.stage}: ${file} names no chosen alpha and whiten (expected a ridge grid's candidates.json)`);
  }
  const rank = chosen?.rank;
  return { alphas: [alpha], whiten: [whiten === "none" ? Infinity : whiten], ...(typeof rank === "number" ? { rank } : {}), ...(chosen?.head === "procrustes" ? { head: "procrustes" as const } : {}) };
}

runStage(async (job) => {
  const alpha = param(job, "alpha", 0.03);
  const clip = param(job, "clip", 8);
  const intercept = param(job, "intercept", false);
  if (!(alpha >= 0)) throw new StageError(`stage ${job.stage}: params.alpha must be ≥ 0, got ${alpha}`);
  if (!(clip > 0)) throw new StageError(`stage ${job.stage}: params.clip must be > 0, got ${clip}`);
  const compute = await stageCompute(job);
  // Shares of the work as timed on the default data (the grid's phases: its eigenbases, scores and ranks).
  const progress = new StageProgress([["read", 10], ["standardise", 5], ["gram", 30], ["cross-product", 30], ["solve", 10], ["eigenbasis", 30], ["grid", 30], ["evaluate", 15]]);
  progress.report("read", 0, 1);
  const data = readTrainingData(job);
  const { captions, images, labels } = data;
  // A refit fits on train + validation captions with the settings chosen before: nothing is held out.
  const refit = param(job, "refit", false);
  const trainIdx = refit ? Int32Array.from([...data.trainIdx, ...data.valIdx]).sort() : data.trainIdx;
  const valIdx = refit ? new Int32Array(0) : data.valIdx;
  const trainImages = compose(labels, trainIdx);

  progress.report("standardise", 0, 1);
  const sx = fitScaler(captions, trainIdx);
  const sy = fitScaler(images, trainImages);
  const xs = standardize(captions, sx, clip, trainIdx);
  const ys = standardize(images, sy, clip);
  progress.report("standardise", 1, 1);

  const grid = refit ? selectedSettings(job) : gridOf(job);
  // The linear head: ridge (the alpha grid) or the orthogonal Procrustes map (alphas unused; whitening still chosen).
  const head = refit ? (grid?.head ?? "ridge") : choiceParam(job, "head", ["ridge", "procrustes"] as const, "ridge");
  const select = choiceParam(job, "select", ["mrr_batch100", "mrr_full"], "mrr_batch100");
  let W: Matrix64;
  let bias: Float64Array;
  let chosen: GridCandidate | undefined;
  let chosenRank: number | undefined;
  if (grid === undefined) {
    const fit = fitRidge(compute.gemm, xs, ys, alpha, intercept, { yRows: trainImages, rowUpdates: rowUpdatesOf(compute), onProgress: (phase, done, total) => progress.report(phase, done, total) });
    if (!fit.ok) throw new StageError(`stage ${job.stage}: ${fit.error.message}`);
    ({ W, bias } = fit.value);
  } else {
    if (intercept) throw new StageError(`stage ${job.stage}: params.alphas (a validated grid) needs intercept: false (standardised data has mean 0)`);
    if (valIdx.length === 0 && !refit) throw new StageError(`stage ${job.stage}: params.alphas needs validation captions to choose by (load's val_fraction is 0)`);
    const lapack = lapackOf(compute);
    progress.report("eigenbasis", 0, 1);
    const path = fitRidgePath(compute.gemm, xs, ys, lapack, trainImages);
    if (!path.ok) throw new StageError(`stage ${job.stage}: ${path.error.message}`);
    const whitens = grid.whiten.some((e) => e !== Infinity);
    const white = whitens ? fitWhitening(compute.gemm, ys, trainImages, lapack) : undefined;
    if (white !== undefined && !white.ok) throw new StageError(`stage ${job.stage}: ${white.error.message}`);
    progress.report("eigenbasis", 1, 1);
    const basis = white?.ok === true ? white.value : undefined;
    // The validation queries, gallery and targets, standardised once for every candidate of the grid and the rank table.
    const xv = refit ? undefined : standardize(captions, sx, undefined, valIdx);
    const gv = refit ? undefined : standardize(images, sy);
    const truth = compose(labels, valIdx);
    const procrustes = head === "procrustes" ? procrustesMap(compute.gemm, path.value, lapack) : undefined;
    if (procrustes !== undefined && !procrustes.ok) throw new StageError(`stage ${job.stage}: ${procrustes.error.message}`);
    const procrustesAt = (e: number): Matrix64 => {
      const w = (procrustes as { ok: true; value: Matrix64 }).value;
      return e === Infinity || basis === undefined ? w : whiten(compute.gemm, w, basis, whiteningScale(basis, e));
    };
    const candidates: GridCandidate[] = refit
      ? [{ alpha: grid.alphas[0] as number, whiten: grid.whiten[0] as number, mrr: Number.NaN, r1: Number.NaN }]
      : procrustes !== undefined
        ? grid.whiten.map((e) => {
            const w = procrustesAt(e);
            const q = multiply(compute.gemm, xv as Matrix, { rows: w.rows, cols: w.cols, data: Float32Array.from(w.data) });
            const m = retrievalMetrics(compute.gemm, q, gv as Matrix, truth, select === "mrr_full" ? "full" : "batch100");
            return { alpha: 0, whiten: e, mrr: m.mrr, r1: m.r1 };
          })
        : scoreGrid(compute.gemm, path.value, basis, xv as Matrix, gv as Matrix, truth, grid, select === "mrr_full" ? "full" : "batch100", (done, total) => progress.report("grid", done, total));
    chosen = bestCandidate(candidates) as GridCandidate;
    const s = shrinkage(path.value, chosen.alpha * path.value.gram.mean);
    const whitening = basis === undefined || chosen.whiten === Infinity ? undefined : { basis, scale: whiteningScale(basis, chosen.whiten) };
    const plain = procrustes?.ok === true ? procrustes.value : linearMap(compute.gemm, path.value, s);
    W = whitening === undefined ? plain : whiten(compute.gemm, plain, whitening.basis, whitening.scale);
    // Reduced rank, at the chosen alpha and whitening: each rank scored on validation, kept only when it beats full rank.
    const ranks = procrustes !== undefined ? [] : refit ? (grid.rank === undefined ? [] : [grid.rank]) : rankGrid(job, W.cols);
    const rankTable: { rank: number; mrr: number }[] = [];
    if (ranks.length > 0) {
      const fitted = fittedBasis(compute.gemm, path.value, s, lapackOf(compute));
      if (!fitted.ok) throw new StageError(`stage ${job.stage}: ${fitted.error.message}`);
      let best = { rank: W.cols, mrr: chosen.mrr, W };
      for (const rank of ranks) {
        const reduced = reduceRank(compute.gemm, plain, fitted.value, rank);
        const Wr = whitening === undefined ? reduced : whiten(compute.gemm, reduced, whitening.basis, whitening.scale);
        if (refit) {
          best = { rank, mrr: Number.NaN, W: Wr };
          continue;
        }
        const q = multiply(compute.gemm, xv as Matrix, { rows: Wr.rows, cols: Wr.cols, data: Float32Array.from(Wr.data) });
        const mrr = retrievalMetrics(compute.gemm, q, gv as Matrix, truth, select === "mrr_full" ? "full" : "batch100").mrr;
        rankTable.push({ rank, mrr });
        if (mrr > best.mrr) best = { rank, mrr, W: Wr };
      }
      W = best.W;
      chosenRank = best.rank < W.cols ? best.rank : undefined;
    }
    bias = new Float64Array(W.cols);
    const table = candidates.map((c) => ({ alpha: c.alpha, whiten: c.whiten === Infinity ? "none" : c.whiten, [select]: c.mrr, [select.replace("mrr", "r1")]: c.r1 }));
    const chosenRow = { ...table[candidates.indexOf(chosen)], rank: chosenRank ?? "full", head };
    if (!refit) writeFileSync(outPath(job, "candidates.json"), JSON.stringify({ select, alpha_scale: path.value.gram.mean, chosen: chosenRow, candidates: table, ranks: rankTable.map((r) => ({ rank: r.rank, [select]: r.mrr })) }, null, 1) + "\n");
  }
  const W32 = { rows: W.rows, cols: W.cols, data: Float32Array.from(W.data) };
  writeMatrix(outPath(job, "W.npy"), W32);
  writeVector(outPath(job, "bias.npy"), Float32Array.from(bias));
  writeVector(outPath(job, "x_mean.npy"), Float32Array.from(sx.mean));
  writeVector(outPath(job, "x_std.npy"), Float32Array.from(sx.std));
  writeVector(outPath(job, "y_mean.npy"), Float32Array.from(sy.mean));
  writeVector(outPath(job, "y_std.npy"), Float32Array.from(sy.std));

  progress.report("evaluate", 0, 1);
  const queries = multiply(compute.gemm, standardize(captions, sx, undefined, valIdx), W32);
  for (let r = 0; r < queries.rows; r++) {
    for (let j = 0; j < queries.cols; j++) queries.data[r * queries.cols + j] = (queries.data[r * queries.cols + j] as number) + (bias[j] as number);
  }
  const metrics = valIdx.length === 0 ? undefined : scoreValidation(compute.gemm, validationScoring(job, images, sy), queries, compose(labels, valIdx));
  progress.finish();
  const selection: Record<string, number> = chosen === undefined ? {} : { ...(refit ? { refit_captions: trainIdx.length } : {}), selected_alpha: chosen.alpha, selected_whiten: chosen.whiten === Infinity ? 0 : chosen.whiten, selected_rank: chosenRank ?? W.cols, whitened: chosen.whiten === Infinity ? 0 : 1 };
  writeMetrics(job, { ...(metrics ?? {}), ...selection, orthogonality_drift: orthogonalityDrift(compute.gemm, W) });
});
