// Stage finetune: train the projector (ridge map, optionally plus residual MLP blocks) and keep its best epoch.
//
// Training rows, as the reference: x = clip((captions[train_idx] − x_mean)/x_std, ±clip),
// y = clip((images[labels[train_idx]] − y_mean)/y_std, ±clip). Validation every epoch:
// captions[val_idx] standardised (not clipped) through the model, against the whole standardised
// (not clipped) image gallery as the reference, or with params.space (export's) the vectors export
// would submit against the raw images, as the leaderboard scores them (validationScoring); epoch 0
// is the ridge map itself and is kept if nothing beats it.
// Outputs: weights.npz (format in stages/lib/projector.ts), val_queries.npy (the best epoch's
// validation predictions, standardised image space), curve.json (one record per epoch) and
// metrics.json (the best epoch's eight metrics, mrr_mean, best_epoch, epochs_run) and, when
// declared, settings.json (what decided the run, and best_epoch: what a refit repeats).
// The ridge map is first scaled by a power of two so its training predictions have RMS ≈ 1 (see
// predictionScale; params.rescale: false keeps it as it is); metrics say prediction_scale.
// With params.refit the settings come from the input `settings` (or the chosen member of a fan-in of
// them) and the projector trains on train + validation captions for the kept epoch count (0 when the
// input `chosen`, a select's choice, chose another candidate), from the refitted ridge; there is
// nothing to validate, the last epoch is kept.
// Training runs on the native kernels where npm install built them, on params.threads threads
// (default every core, DAG_THREADS caps it) with the same result for any count; else on tfjs
// (params.backend) with tfjs's gradients. Meta backend and kernels say which; product_threads how many.
import { readFileSync, writeFileSync } from "node:fs";
import { threadCount } from "./lib/kernels/compute.js";
import { StageError, choiceParam, depList, depPath, hasDep, outPath, param, reportMeta, runStage, writeMetrics, type Job } from "./lib/protocol/job.js";
import { StageProgress } from "./lib/protocol/progress.js";
import { stageCompute } from "./lib/protocol/stage-compute.js";
import type { InfoNceDirection, LossWeights } from "./lib/train/loss-options.js";
import type { Schedule } from "./lib/train/lr-schedule.js";
import type { NdArray } from "./lib/io/npy.js";
import { writeMatrix } from "./lib/io/npy-write.js";
import { writeNpz } from "./lib/io/npz-write.js";
import type { Matrix } from "./lib/core/matrix.js";
import type { Gemm } from "./lib/kernels/gemm.js";
import { multiply } from "./lib/linalg/products.js";
import { createProjector, type Head } from "./lib/model/projector.js";
import { compose, readChosenCandidate, readDepMatrix, readDepVector, readScaler, readTrainingData } from "./lib/protocol/stage-data.js";
import { validationScoring } from "./lib/protocol/validation-scoring.js";
import { standardize } from "./lib/linalg/standardize.js";
import { SELECT_NAMES, selectValue, trainProjector, type SelectName, type TrainOptions } from "./lib/train/train-loop.js";

/** A whole-number param of at least `min`. */
function intParam(job: Job, name: string, fallback: number, min: number): number {
  const v = param(job, name, fallback);
  if (!Number.isInteger(v) || v < min) throw new StageError(`stage ${job.stage}: params.${name} must be a whole number ≥ ${min}, got ${v}`);
  return v;
}

/** A number param that must satisfy `ok`, described by `want` in the error. */
function numParam(job: Job, name: string, fallback: number, ok: (v: number) => boolean, want: string): number {
  const v = param(job, name, fallback);
  if (!ok(v)) throw new StageError(`stage ${job.stage}: params.${name} must be ${want}, got ${v}`);
  return v;
}

/** params.loss: the weights of MSE, cosine and InfoNCE (absent terms weigh 0). */
function lossParam(job: Job): LossWeights {
  const raw = param<Record<string, unknown>>(job, "loss", { mse: 0.5, cosine: 0.5, infonce: 0 });
  const known = ["mse", "cosine", "infonce"];
  for (const key of Object.keys(raw)) {
    if (!known.includes(key)) throw new StageError(`stage ${job.stage}: params.loss.${key} is not a loss term (use ${known.join(", ")})`);
  }
  const weight = (key: string): number => {
    const v = raw[key] ?? 0;
    if (typeof v !== "number" || !(v >= 0)) throw new StageError(`stage ${job.stage}: params.loss.${key} must be a number ≥ 0, got ${JSON.stringify(v)}`);
    return v;
  };
  const weights = { mse: weight("mse"), cosine: weight("cosine"), infonce: weight("infonce") };
  if (weights.mse + weights.cosine + weights.infonce === 0) throw new StageError(`stage ${job.stage}: params.loss gives every term weight 0`);
  return weights;
}

/** params.threads: threads of the training products, every core by default; DAG_THREADS caps it. */
function threadsParam(job: Job): number {
  const threads = intParam(job, "threads", threadCount(), 1);
  const cap = Number(process.env["DAG_THREADS"]);
  return Number.isInteger(cap) && cap > 0 ? Math.min(threads, cap) : threads;
}

/**
 * The power of two that brings the ridge map's training predictions to a root-mean-square of about 1,
 * the scale of the standardised targets. A gallery-whitened ridge predicts at a scale of ~0.03, where
 * AdamW's steps (about lr per weight, whatever the weight's size) would swamp the map it starts from.
 * A positive factor changes no ranking, and a power of two changes no bit of one: epoch 0 stays the ridge.
 */
function predictionScale(gemm: Gemm, W: Matrix, bias: Float32Array, x: Matrix): number {
  const rows = Math.min(x.rows, 1024);
  const p = multiply(gemm, { rows, cols: x.cols, data: x.data.subarray(0, rows * x.cols) }, W);
  let sum = 0;
  for (let r = 0; r < rows; r++) for (let j = 0; j < p.cols; j++) sum += ((p.data[r * p.cols + j] as number) + (bias[j] as number)) ** 2;
  const rms = Math.sqrt(sum / (rows * p.cols));
  return rms > 0 && Number.isFinite(rms) ? 2 ** Math.round(-Math.log2(rms)) : 1;
}

/** m times s, as a new matrix. */
function scaleMatrix(m: Matrix, s: number): Matrix {
  return s === 1 ? m : { rows: m.rows, cols: m.cols, data: m.data.map((v) => v * s) };
}

/** Everything that decides a training run besides the data: what settings.json records and a refit repeats. */
interface Settings {
  readonly head: Head;
  readonly hidden: number;
  readonly depth: number;
  readonly clip: number;
  readonly rescale: boolean;
  readonly options: TrainOptions;
}

/** The settings from the stage's own params. */
function settingsFromParams(job: Job): Settings {
  const head = choiceParam<Head>(job, "head", ["affine", "resmlp"], "resmlp");
  return {
    head,
    hidden: intParam(job, "hidden", 1024, 1),
    depth: intParam(job, "depth", 2, head === "resmlp" ? 1 : 0),
    clip: numParam(job, "clip", 8, (v) => v > 0, "> 0"),
    rescale: param(job, "rescale", true),
    options: {
      epochs: intParam(job, "epochs", 10, 0),
      batchSize: intParam(job, "batch_size", 4096, 1),
      lr: numParam(job, "lr", 5e-4, (v) => v > 0, "> 0"),
      weightDecay: numParam(job, "weight_decay", 5e-3, (v) => v >= 0, "≥ 0"),
      warmupEpochs: numParam(job, "warmup_epochs", 1, (v) => v >= 0, "≥ 0"),
      schedule: choiceParam<Schedule>(job, "schedule", ["cosine", "constant"], "cosine"),
      gradClip: numParam(job, "grad_clip", 1, (v) => v >= 0, "≥ 0 (0 = no clipping)"),
      dropout: numParam(job, "dropout", 0.15, (v) => v >= 0 && v < 1, "in [0, 1)"),
      loss: {
        weights: lossParam(job),
        temperature: numParam(job, "temperature", 0.05, (v) => v > 0, "> 0"),
        direction: choiceParam<InfoNceDirection>(job, "infonce_direction", ["symmetric", "caption_to_image"], "symmetric"),
      },
      patience: intParam(job, "patience", 5, 0),
      select: choiceParam<SelectName>(job, "select", SELECT_NAMES, "mrr_full"),
      seed: job.seed,
    },
  };
}

/**
 * A refit's settings: those of the run in the input `settings` (a finetune's settings.json), for
 * the epoch count it kept on validation, or none at all (the ridge it starts from) when the input
 * `chosen` (a select's selected.json) did not choose params.candidate (default finetune). With
 * `settings` a fan-in (STAGE[*]:settings.json, e.g. a grid of finetune copies), the member the
 * select chose is refitted; when it chose none of them, nothing is trained.
 */
function refitSettings(job: Job): { settings: Settings; epochs: number; chosen: boolean } {
  const picked = hasDep(job, "chosen") ? readChosenCandidate(job, "chosen") : undefined;
  let file: string;
  let chosen: boolean;
  if (job.fanIn?.["settings"] !== undefined) {
    if (picked === undefined) throw new StageError(`stage ${job.stage}: a fan-in of settings needs the input \`chosen\` (a select's selected.json) to say which to refit`);
    const members = depList(job, "settings");
    const member = members.find((m) => m.stage === picked);
    // When the select chose another head (ridge), any member's settings serve: nothing is trained.
    file = (member ?? (members[0] as (typeof members)[number])).path;
    chosen = member !== undefined;
  } else {
    file = depPath(job, "settings");
    chosen = picked === undefined || picked === param(job, "candidate", "finetune");
  }
  const saved = JSON.parse(readFileSync(file, "utf8")) as Partial<Settings> & { best_epoch?: unknown };
  if (saved.options === undefined || saved.head === undefined || typeof saved.best_epoch !== "number") {
    throw new StageError(`stage ${job.stage}: ${file} is not a finetune's settings.json (it has: ${Object.keys(saved).join(", ")})`);
  }
  return { settings: saved as Settings, epochs: chosen ? saved.best_epoch : 0, chosen };
}

runStage(async (job) => {
  // A refit trains on train + validation captions with the settings and epoch count chosen before: nothing is held out.
  const refit = param(job, "refit", false);
  const plan0 = refit ? refitSettings(job) : undefined;
  const { head, hidden, depth, clip, rescale, options: base } = plan0?.settings ?? settingsFromParams(job);
  const options: TrainOptions = plan0 === undefined ? base : { ...base, stopAfter: plan0.epochs };
  const trainedEpochs = Math.min(options.epochs, options.stopAfter ?? options.epochs);

  const compute = await stageCompute(job, threadsParam(job));

  // The bar covers reading, standardising, every epoch's batches and its validation (about a tenth of an epoch on the default data).
  const plan = (steps: number): StageProgress => {
    const validation = Math.max(1, Math.ceil(steps / 10));
    return new StageProgress([["read", steps], ["standardise", Math.max(1, steps / 4)], ["train", Math.max(1, trainedEpochs) * (steps + validation)]]);
  };
  let progress = plan(1);
  progress.report("read", 0, 1);
  const data = readTrainingData(job);
  const { captions, images, labels } = data;
  const trainIdx = refit ? Int32Array.from([...data.trainIdx, ...data.valIdx]).sort() : data.trainIdx;
  const valIdx = refit ? new Int32Array(0) : data.valIdx;
  const steps = Math.ceil(trainIdx.length / options.batchSize);
  progress = plan(steps);
  if (valIdx.length === 0 && !refit) throw new StageError(`stage ${job.stage}: val_idx is empty, so no epoch can be selected (set load.params.val_fraction > 0)`);
  const W = readDepMatrix(job, "W");
  const bias = readDepVector(job, "bias");
  if (W.rows !== captions.cols || W.cols !== images.cols) {
    throw new StageError(`stage ${job.stage}: W is ${W.rows}×${W.cols} but captions are ${captions.cols}-d and images ${images.cols}-d`);
  }
  if (bias.length !== W.cols) throw new StageError(`stage ${job.stage}: bias has ${bias.length} values, W has ${W.cols} columns`);
  const sx = readScaler(job, "x_mean", "x_std", captions.cols);
  const sy = readScaler(job, "y_mean", "y_std", images.cols);

  progress.report("standardise", 0, 1);
  const train = { x: standardize(captions, sx, clip, trainIdx), targets: standardize(images, sy, clip), labels: compose(labels, trainIdx) };
  const val = refit ? undefined : { queries: standardize(captions, sx, undefined, valIdx), ...validationScoring(job, images, sy), truth: compose(labels, valIdx) };
  progress.report("standardise", 1, 1);

  const scale = rescale ? predictionScale(compute.gemm, W, bias, train.x) : 1;
  const projector = createProjector({ head, hidden, depth, W: scaleMatrix(W, scale), bias: bias.map((b) => b * scale), seed: options.seed });
  const label = options.select.startsWith("mrr") ? "val MRR" : `val ${options.select}`;
  const trained = await trainProjector(compute, projector, train, val, options, (p) => {
    const perEpoch = p.total + Math.max(1, Math.ceil(p.total / 10));
    const done = (p.epoch - 1) * perEpoch + p.done;
    progress.report("train", done, Math.max(1, trainedEpochs) * perEpoch, `epoch ${p.epoch}/${p.epochs}${p.validating ? " validate" : ""}`, { loss: p.loss, [label]: p.best });
  });
  if (!trained.ok) throw new StageError(`stage ${job.stage}: ${trained.error.message}`);
  const outcome = trained.value;

  const arrays: Record<string, NdArray> = {};
  for (const t of outcome.bestTensors) arrays[t.name] = { dtype: "float32", shape: [...t.shape], data: t.data, fortranOrder: false };
  await writeNpz(outPath(job, "weights.npz"), arrays);
  writeFileSync(outPath(job, "curve.json"), JSON.stringify(outcome.curve, null, 2) + "\n");
  if (!refit) writeMatrix(outPath(job, "val_queries.npy"), outcome.valPredictions);
  if (!refit && job.outs["settings.json"] !== undefined) {
    const settings: Settings & { best_epoch: number } = { head, hidden, depth, clip, rescale, options, best_epoch: outcome.bestEpoch };
    writeFileSync(outPath(job, "settings.json"), JSON.stringify(settings, null, 1) + "\n");
  }
  if (outcome.trainSeconds > 0) {
    reportMeta({
      train_seconds: Number(outcome.trainSeconds.toFixed(2)),
      train_gflops: Number((outcome.trainFlops / outcome.trainSeconds / 1e9).toFixed(2)),
      product_threads: outcome.productThreads,
    });
  }
  const common = { epochs_run: outcome.epochsRun, prediction_scale: scale };
  if (refit) writeMetrics(job, { ...common, refit_captions: trainIdx.length, trained: plan0?.chosen === true ? 1 : 0 });
  else writeMetrics(job, { ...outcome.bestMetrics, mrr_mean: selectValue(outcome.bestMetrics, "mrr_mean"), best_epoch: outcome.bestEpoch, ...common });
  progress.finish();
});
