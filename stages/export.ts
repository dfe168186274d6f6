// Stage export: map the test captions into image space and write the submission CSV (scored when the gallery is known).
//
// Test captions are standardised with the training statistics (x_mean/x_std from ridge), clipped
// to ±params.clip, and mapped by params.model: the fine-tuned projector (weights.npz), the ridge
// map (W, bias), or `selected`: whichever of the two the input `head` (a select's selected.json) chose.
// params.space says what vector is submitted for a prediction y (standardised image space): raw,
// standardized or dual (stages/lib/eval/submission-space.ts; README: why dual).
// params.normalize L2-normalises every row. When test_images.npy has rows (the synthetic source
// keeps the hidden gallery: row i is test caption i's image; otherwise the file is empty) the
// submission is scored against it exactly as submitted, and metrics.json holds the eight metrics
// prefixed `test_`; it always holds `rows`.
//
// An ensemble: with a fan-in input `models` (`finetune[*]:weights.npz`, e.g. seeds as foreach
// copies), optionally narrowed to the variants a select stage chose (input `selected`), each
// member's mapped predictions are L2-normalised and averaged; metrics.json then says
// `ensemble_members`. The members share the scalers (x_mean… of the ridge they start from).
import { StageError, choiceParam, depList, depPath, hasDep, outPath, param, runStage, writeMetrics, type Job } from "./lib/protocol/job.js";
import { StageProgress } from "./lib/protocol/progress.js";
import { stageCompute } from "./lib/protocol/stage-compute.js";
import type { Matrix } from "./lib/core/matrix.js";
import { allMetrics } from "./lib/eval/metrics.js";
import { l2NormalizeRows } from "./lib/linalg/normalize.js";
import { readArray, withNpz } from "./lib/io/npz-archive.js";
import { predictProjector } from "./lib/model/predictor.js";
import { createProjector, projectorFromTensors, type NamedTensor, type ProjectorParams } from "./lib/model/projector.js";
import { ok } from "./lib/core/result.js";
import { npyShape, readChosenCandidate, readChosenCandidates, readDepMatrix, readDepVector, readIndex, readScaler, requireFinite } from "./lib/protocol/stage-data.js";
import { standardize } from "./lib/linalg/standardize.js";
import { SUBMISSION_SPACES, submissionVectors } from "./lib/eval/submission-space.js";
import { writeSubmissionCsv } from "./lib/io/submission-csv.js";

/** Every member of weights.npz as a named float32 tensor. */
async function readWeights(file: string): Promise<NamedTensor[]> {
  const read = await withNpz(file, async (archive) => {
    const tensors: NamedTensor[] = [];
    for (const key of archive.members.keys()) {
      const array = await readArray(archive, key);
      if (!array.ok) return array;
      const a = array.value;
      if (a.dtype !== "float32" && a.dtype !== "float64") throw new StageError(`${file} [${key}]: expected float32 weights, got ${a.dtype}`);
      tensors.push({ name: key, shape: a.shape, data: a.dtype === "float32" ? a.data : Float32Array.from(a.data) });
    }
    return ok(tensors);
  });
  if (!read.ok) throw new StageError(read.error.message);
  return read.value;
}

async function loadModel(job: Job, model: "finetune" | "ridge"): Promise<ProjectorParams> {
  if (model === "ridge") {
    const W = readDepMatrix(job, "W");
    const bias = readDepVector(job, "bias");
    if (bias.length !== W.cols) throw new StageError(`stage ${job.stage}: bias has ${bias.length} values, W has ${W.cols} columns`);
    return createProjector({ head: "affine", hidden: 0, depth: 0, W, bias, seed: job.seed });
  }
  return projectorAt(depPath(job, "weights"));
}

async function projectorAt(file: string): Promise<ProjectorParams> {
  const made = projectorFromTensors(await readWeights(file));
  if (!made.ok) throw new StageError(`${file}: ${made.error.message}`);
  return made.value;
}

/** The weights files of the ensemble: every member of `models`, or those `selected` chose; undefined without `models`. */
function ensembleFiles(job: Job): string[] | undefined {
  if (job.fanIn?.["models"] === undefined) return undefined;
  const members = depList(job, "models");
  if (!hasDep(job, "selected")) return members.map((m) => m.path);
  const names = new Set(readChosenCandidates(job, "selected"));
  const kept = members.filter((m) => names.has(m.stage));
  if (kept.length === 0) throw new StageError(`stage ${job.stage}: ${depPath(job, "selected")} chose none of the models (${members.map((m) => m.stage).join(", ")})`);
  return kept.map((m) => m.path);
}

/**
 * params.model: finetune | ridge, or selected: the one the input `head` (a select's selected.json
 * over candidates named ridge and finetune, or finetune's variants such as finetune[lr=0.0002])
 * chose on validation.
 */
function modelParam(job: Job): "finetune" | "ridge" {
  const model = choiceParam(job, "model", ["finetune", "ridge", "selected"] as const, "finetune");
  if (model !== "selected") return model;
  const picked = readChosenCandidate(job, "head");
  if (picked === "ridge") return "ridge";
  if (picked === "finetune" || picked.startsWith("finetune[")) return "finetune";
  throw new StageError(`stage ${job.stage}: ${depPath(job, "head")} chose ${JSON.stringify(picked)}, expected "ridge", "finetune" or a variant finetune[…] (name the select's inputs so)`);
}

runStage(async (job) => {
  const model = modelParam(job);
  const space = choiceParam(job, "space", SUBMISSION_SPACES, "raw");
  const normalize = param(job, "normalize", true);
  const clip = param(job, "clip", 8);
  if (!(clip > 0)) throw new StageError(`stage ${job.stage}: params.clip must be > 0, got ${clip}`);

  const progress = new StageProgress([["read", 1], ["predict", 1], ["write", 1]]);
  progress.report("read", 0, 1);
  const captions = readDepMatrix(job, "test_captions");
  const ids = readIndex(depPath(job, "test_ids"));
  if (ids.length !== captions.rows) {
    throw new StageError(`stage ${job.stage}: test_ids has ${ids.length} ids but test_captions has ${captions.rows} rows`);
  }
  requireFinite(job, "test_captions", captions);
  const compute = await stageCompute(job);
  const files = ensembleFiles(job);
  const projectors = files === undefined ? [await loadModel(job, model)] : await Promise.all(files.map(projectorAt));
  for (const projector of projectors) {
    if (projector.shape.dIn !== captions.cols) {
      throw new StageError(`stage ${job.stage}: the ${model} model takes ${projector.shape.dIn}-d captions, test_captions are ${captions.cols}-d`);
    }
  }
  const sx = readScaler(job, "x_mean", "x_std", captions.cols);
  const sy = readScaler(job, "y_mean", "y_std", (projectors[0] as ProjectorParams).shape.dOut);

  progress.report("predict", 0, 1);
  const xs = standardize(captions, sx, clip);
  const mappedBy = async (projector: ProjectorParams): Promise<Matrix> => {
    const predicted = await predictProjector(compute, projector, xs);
    return submissionVectors(predicted, sy, space);
  };
  let mapped: Matrix;
  if (files === undefined) {
    mapped = await mappedBy(projectors[0] as ProjectorParams);
  } else {
    // The mean of the members' L2-normalised predictions.
    const sum = new Float32Array(captions.rows * sy.std.length);
    for (const projector of projectors) {
      const unit = l2NormalizeRows(await mappedBy(projector));
      for (let i = 0; i < sum.length; i++) sum[i] = (sum[i] as number) + (unit.data[i] as number) / projectors.length;
    }
    mapped = { rows: captions.rows, cols: sy.std.length, data: sum };
  }
  const submission = normalize ? l2NormalizeRows(mapped) : mapped;

  progress.report("write", 0, 1);
  const written = writeSubmissionCsv(outPath(job, "submission.csv"), ids, submission);
  if (!written.ok) throw new StageError(`stage ${job.stage}: ${written.error.message}`);

  const metrics: Record<string, number> = { rows: written.value.rows, ...(files === undefined ? { finetuned: model === "finetune" ? 1 : 0 } : { ensemble_members: files.length }) };
  // An empty test_images (any shape with no elements) means the gallery is hidden: nothing to score.
  if (npyShape(depPath(job, "test_images")).reduce((a, b) => a * b, 1) > 0) {
    const gallery = readDepMatrix(job, "test_images");
    if (gallery.rows !== captions.rows || gallery.cols !== submission.cols) {
      throw new StageError(`stage ${job.stage}: test_images is ${gallery.rows}×${gallery.cols}, expected one ${submission.cols}-d image per test caption (${captions.rows})`);
    }
    const truth = Int32Array.from({ length: captions.rows }, (_, i) => i);
    for (const [key, value] of Object.entries(allMetrics(compute.gemm, submission, gallery, truth))) metrics[`test_${key}`] = value;
  }
  progress.finish();
  writeMetrics(job, metrics);
});
