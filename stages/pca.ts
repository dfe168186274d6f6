// Stage pca: fits PCA on the training images (the distinct images of the training captions).
//
// params.components: a number, or "auto" = the narrower width: the caption width when the job has
// a `captions` input (only its .npy header is read), otherwise min(1024, image width).
import { StageError, outPath, runStage, writeMetrics, type Job } from "./lib/protocol/job.js";
import { writeMatrix, writeNpy, writeVector } from "./lib/io/npy-write.js";
import { fitPca } from "./lib/linalg/pca.js";
import { StageProgress } from "./lib/protocol/progress.js";
import { lapackOf, stageCompute } from "./lib/protocol/stage-compute.js";
import { compose, npyShape, readDepIndex, readDepMatrix, requireFinite, uniqueSorted } from "./lib/protocol/stage-data.js";

/** The default narrower width: the challenge's caption embeddings are 1024-d. */
const AUTO_WIDTH = 1024;

function componentCount(job: Job, imageWidth: number): number {
  const value = job.params["components"] ?? "auto";
  if (value === "auto") {
    const captions = job.deps["captions"];
    const shape = captions === undefined ? undefined : npyShape(captions);
    const width = shape === undefined ? Math.min(AUTO_WIDTH, imageWidth) : (shape[1] ?? 0);
    return Math.min(width, imageWidth);
  }
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > imageWidth) {
    throw new StageError(`stage ${job.stage}: params.components must be "auto" or an integer in 1..${imageWidth}, got ${JSON.stringify(value)}`);
  }
  return value;
}

runStage(async (job) => {
  const compute = await stageCompute(job);
  // Shares of the work: the covariance is O(n·d²), the eigendecomposition O(d³) and one step (it reports no sub-progress).
  const progress = new StageProgress([["read", 10], ["covariance", 55], ["eigendecomposition", 35]]);
  progress.report("read", 0, 1);
  const images = readDepMatrix(job, "images");
  requireFinite(job, "images", images);
  const labels = readDepIndex(job, "labels", images.rows, "images");
  const trainIdx = readDepIndex(job, "train_idx", labels.length, "labels");
  const rows = uniqueSorted(compose(labels, trainIdx));
  const k = componentCount(job, images.cols);
  const fit = fitPca({ gemm: compute.gemm, lapack: lapackOf(compute) }, images, k, rows, (phase, done, total) => progress.report(phase, done, total));
  if (!fit.ok) throw new StageError(`stage ${job.stage}: ${fit.error.message}`);
  const pca = fit.value;
  writeVector(outPath(job, "mean.npy"), Float32Array.from(pca.mean));
  writeMatrix(outPath(job, "components.npy"), pca.components);
  writeNpy(outPath(job, "explained_variance.npy"), { dtype: "float64", shape: [k], data: pca.explainedVariance, fortranOrder: false });
  let ratio = 0;
  for (const r of pca.explainedVarianceRatio) ratio += r;
  writeMetrics(job, { explained_variance_ratio_sum: ratio, components: k, training_images: rows.length });
});
