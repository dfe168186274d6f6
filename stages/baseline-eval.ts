// Stage baseline-eval: the no-learning reference. Validation captions retrieve PCA'd images directly.
//
// Queries are captions[val_idx] (in that order); the gallery is every image mapped into PCA
// coordinates, (images − mean)·componentsᵀ; the truth is labels[val_idx]. Reports the eight
// retrieval metrics (full: cosine against the whole gallery; batch100: dot products within
// consecutive batches of 100 queries and their ground-truth images).
import { StageError, runStage, writeMetrics } from "./lib/protocol/job.js";
import { StageProgress } from "./lib/protocol/progress.js";
import type { Matrix } from "./lib/core/matrix.js";
import { takeRows } from "./lib/core/matrix.js";
import { allMetrics } from "./lib/eval/metrics.js";
import { transformPca } from "./lib/linalg/pca.js";
import { stageCompute } from "./lib/protocol/stage-compute.js";
import { compose, readDepIndex, readDepMatrix, readDepVector, requireFinite } from "./lib/protocol/stage-data.js";

runStage(async (job) => {
  const compute = await stageCompute(job);
  const progress = new StageProgress([["read", 1], ["project gallery", 1], ["retrieve", 1]]);
  progress.report("read", 0, 1);
  const captions = readDepMatrix(job, "captions");
  const images = readDepMatrix(job, "images");
  const labels = readDepIndex(job, "labels", images.rows, "images");
  if (labels.length !== captions.rows) throw new StageError(`stage ${job.stage}: ${labels.length} labels for ${captions.rows} captions`);
  const valIdx = readDepIndex(job, "val_idx", captions.rows, "captions");
  const mean = readDepVector(job, "pca_mean");
  const components = readDepMatrix(job, "pca_components");
  if (components.cols !== images.cols || mean.length !== images.cols) {
    throw new StageError(`stage ${job.stage}: the PCA is for ${components.cols}-d data (mean ${mean.length}-d) but images are ${images.cols}-d`);
  }
  if (components.rows !== captions.cols) {
    throw new StageError(`stage ${job.stage}: captions are ${captions.cols}-d but the PCA keeps ${components.rows} components; set pca.params.components to ${captions.cols} (or auto)`);
  }
  progress.report("project gallery", 0, 1);
  const gallery = transformPca(compute.gemm, images, { mean, components });
  const queries: Matrix = takeRows(captions, valIdx);
  requireFinite(job, "validation captions", queries);
  progress.report("retrieve", 0, 1);
  const metrics = allMetrics(compute.gemm, queries, gallery, compose(labels, valIdx));
  progress.finish();
  writeMetrics(job, { ...metrics });
});
