// Stage ridge: standardise both sides on the training split and fit the closed-form ridge map.
//
// Captions are standardised with the mean/std of the training captions, images with those of the
// images of the training captions (one row per caption, as the reference does), both clipped to
// ±params.clip for the fit. W = (XᵀX + αI)⁻¹XᵀY in float64, computed over the distinct training
// images (see RidgeOptions.yRows). Validation, like the reference: captions[val_idx] standardised
// (not clipped) and mapped through W (+ bias), against the whole standardised (not clipped) image
// gallery; metrics.json holds the eight retrieval metrics and the map's orthogonality drift.
import { StageError, outPath, param, runStage, writeMetrics } from "./lib/protocol/job.js";
import { multiply } from "./lib/linalg/products.js";
import { allMetrics } from "./lib/eval/metrics.js";
import { writeMatrix, writeVector } from "./lib/io/npy-write.js";
import { fitRidge, orthogonalityDrift } from "./lib/linalg/ridge.js";
import { StageProgress } from "./lib/protocol/progress.js";
import { rowUpdatesOf, stageCompute } from "./lib/protocol/stage-compute.js";
import { compose, readTrainingData } from "./lib/protocol/stage-data.js";
import { fitScaler, standardize } from "./lib/linalg/standardize.js";

runStage(async (job) => {
  const alpha = param(job, "alpha", 0.03);
  const clip = param(job, "clip", 8);
  const intercept = param(job, "intercept", false);
  if (!(alpha >= 0)) throw new StageError(`stage ${job.stage}: params.alpha must be ≥ 0, got ${alpha}`);
  if (!(clip > 0)) throw new StageError(`stage ${job.stage}: params.clip must be > 0, got ${clip}`);
  const compute = await stageCompute(job);
  // Shares of the work as timed on the default data (2.6 s in all).
  const progress = new StageProgress([["read", 10], ["standardise", 5], ["gram", 30], ["cross-product", 30], ["solve", 10], ["evaluate", 15]]);
  progress.report("read", 0, 1);
  const { captions, images, labels, trainIdx, valIdx } = readTrainingData(job);
  const trainImages = compose(labels, trainIdx);

  progress.report("standardise", 0, 1);
  const sx = fitScaler(captions, trainIdx);
  const sy = fitScaler(images, trainImages);
  const xs = standardize(captions, sx, clip, trainIdx);
  const ys = standardize(images, sy, clip);
  progress.report("standardise", 1, 1);

  const fit = fitRidge(compute.gemm, xs, ys, alpha, intercept, { yRows: trainImages, rowUpdates: rowUpdatesOf(compute), onProgress: (phase, done, total) => progress.report(phase, done, total) });
  if (!fit.ok) throw new StageError(`stage ${job.stage}: ${fit.error.message}`);
  const { W, bias } = fit.value;
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
  const metrics = valIdx.length === 0 ? undefined : allMetrics(compute.gemm, queries, standardize(images, sy), compose(labels, valIdx));
  progress.finish();
  writeMetrics(job, { ...(metrics ?? {}), orthogonality_drift: orthogonalityDrift(compute.gemm, W) });
});
