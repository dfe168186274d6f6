// Fine-tuning the projector: seeded mini-batches, AdamW, clipped gradients, validation every epoch, best epoch kept.
import type { Matrix } from "../core/matrix.js";
import { Prng } from "../core/prng.js";
import { err, ok, type Result } from "../core/result.js";
import type { AllMetrics } from "../eval/metrics.js";
import { scoreValidation, type Scoring } from "../eval/submission-space.js";
import type { Compute } from "../kernels/compute.js";
import { trainStepFlops, type NamedTensor, type ProjectorParams } from "../model/projector.js";
import { lossFlops, type LossOptions } from "./loss-options.js";
import { learningRate, type Schedule } from "./lr-schedule.js";
import { nativeTrainer } from "./native-trainer.js";
import type { Trainer } from "./trainer.js";

/** The eight validation metrics, any of which can select the best epoch (higher is better). */
export const METRIC_NAMES = [
  "mrr_full", "r1_full", "r5_full", "r10_full", "mrr_batch100", "r1_batch100", "r5_batch100", "r10_batch100",
] as const satisfies readonly (keyof AllMetrics)[];

export type MetricName = (typeof METRIC_NAMES)[number];

/** What selects the best epoch: one of the eight metrics, or mrr_mean, the mean of mrr_full and mrr_batch100. */
export const SELECT_NAMES = [...METRIC_NAMES, "mrr_mean"] as const;

export type SelectName = (typeof SELECT_NAMES)[number];

/** The value of the selection metric (higher is better). */
export function selectValue(metrics: AllMetrics, select: SelectName): number {
  return select === "mrr_mean" ? (metrics.mrr_full + metrics.mrr_batch100) / 2 : metrics[select];
}

/** The metrics of an epoch nothing validates (a refit): NaN everywhere. */
const UNVALIDATED: AllMetrics = Object.fromEntries(METRIC_NAMES.map((name) => [name, Number.NaN])) as unknown as AllMetrics;

/** What the projector is trained on. */
export interface TrainSet {
  /** Standardised, clipped training captions (rows × d_in). */
  readonly x: Matrix;
  /** Standardised, clipped images the targets are taken from (images × d_out). */
  readonly targets: Matrix;
  /** The image (row of `targets`) of every training caption. */
  readonly labels: Int32Array;
}

/** What every epoch is judged on: the queries, and the gallery their predictions are scored against (Scoring: the standardised gallery, or the raw images and the submission's map). */
export interface ValidationSet extends Scoring {
  /** Standardised (not clipped) validation captions. */
  readonly queries: Matrix;
  /** The gallery row of every query. */
  readonly truth: Int32Array;
}

/** Training hyper-parameters (the finetune stage's params). */
export interface TrainOptions {
  readonly epochs: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly weightDecay: number;
  /** Epochs of linear warm-up (may be fractional; rounded to whole steps). */
  readonly warmupEpochs: number;
  readonly schedule: Schedule;
  /** Global gradient-norm limit; 0 turns clipping off. */
  readonly gradClip: number;
  readonly dropout: number;
  readonly loss: LossOptions;
  /** Stop after this many epochs without a better `select` metric; 0 never stops early. */
  readonly patience: number;
  readonly select: SelectName;
  readonly seed: number;
  /** Run only the first this-many epochs of the `epochs`-long schedule (a refit repeats the chosen epoch count); absent: all. */
  readonly stopAfter?: number;
}

/** One row of curve.json: the epoch's numbers and its eight validation metrics. Epoch 0 is the starting point (the ridge map) before any step. */
export interface EpochRecord extends AllMetrics {
  readonly epoch: number;
  /** Mean training loss over the epoch's rows; null for epoch 0. */
  readonly loss: number | null;
  /** Learning rate of the epoch's last step; null for epoch 0. */
  readonly lr: number | null;
  /** Wall seconds of the epoch's training steps. */
  readonly seconds: number;
  /** Wall seconds of the epoch's validation. */
  readonly eval_seconds: number;
}

/** Where training is, for progress bars. */
export interface TrainProgress {
  /** Batches done in this epoch, of `total`. */
  readonly done: number;
  readonly total: number;
  /** 1-based epoch. */
  readonly epoch: number;
  readonly epochs: number;
  /** Mean loss of the epoch so far. */
  readonly loss: number;
  /** The best `select` metric so far. */
  readonly best: number;
  /** True once the epoch's batches are done and its validation runs. */
  readonly validating?: boolean;
}

/** What training produced. */
export interface TrainOutcome {
  /** The selected epoch (0 = the ridge initialisation was never beaten); without validation, the last. */
  readonly bestEpoch: number;
  readonly bestMetrics: AllMetrics;
  /** The selected epoch's parameters. */
  readonly bestTensors: NamedTensor[];
  /** The selected epoch's validation predictions, standardised image space. */
  readonly valPredictions: Matrix;
  readonly curve: EpochRecord[];
  /** Training epochs run (early stopping may end before options.epochs). */
  readonly epochsRun: number;
  /** Wall seconds of all training steps (validation excluded). */
  readonly trainSeconds: number;
  /** Floating-point operations of the matrix products of all training steps. */
  readonly trainFlops: number;
  /** Threads the native kernels ran on; 0 when tfjs computed the steps. */
  readonly productThreads: number;
}

/** Why training failed. */
export interface TrainFailure {
  readonly reason: "non-finite-loss";
  readonly message: string;
}

function evaluate(compute: Compute, trainer: Trainer, val: ValidationSet): { metrics: AllMetrics; predictions: Matrix; seconds: number } {
  const t0 = performance.now();
  const predictions = trainer.predict(val.queries);
  const metrics = scoreValidation(compute.gemm, val, predictions, val.truth);
  return { metrics, predictions, seconds: (performance.now() - t0) / 1000 };
}

/** Copies rows `order[from..to)` of `m` (or of m at index[order[k]]) into a new array. */
function gatherRows(m: Matrix, order: Int32Array, from: number, to: number, index?: Int32Array): Float32Array {
  const out = new Float32Array((to - from) * m.cols);
  for (let k = from; k < to; k++) {
    const r = index === undefined ? (order[k] as number) : (index[order[k] as number] as number);
    out.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), (k - from) * m.cols);
  }
  return out;
}

/**
 * Trains a projector from `start` on the compute path it is handed (the native kernels, or tfjs
 * with its registered gradients) and returns the best epoch's parameters. Epoch 0 (the starting
 * point) is evaluated first and counts as a candidate, as the reference's `best = ev()`.
 * Deterministic for options.seed: the shuffles come from Prng(seed, "shuffle/E"), the dropout
 * masks from seeds derived from (seed, epoch, batch, block); on the native kernels the result
 * does not depend on the thread count. Without `val` (a refit on every image) nothing is evaluated:
 * every epoch runs and the last is kept, its metrics NaN.
 */
export async function trainProjector(
  compute: Compute,
  start: ProjectorParams,
  train: TrainSet,
  val: ValidationSet | undefined,
  options: TrainOptions,
  onProgress?: (progress: TrainProgress) => void,
): Promise<Result<TrainOutcome, TrainFailure>> {
  const steps = { loss: options.loss, weightDecay: options.weightDecay, gradClip: options.gradClip };
  let trainer: Trainer;
  if (compute.kind === "native") {
    trainer = nativeTrainer(start, steps, compute.native.addon, compute.threads, Math.max(1, Math.min(options.batchSize, train.x.rows)));
  } else {
    // tfjs is loaded only on its own path: the native path never pays its start-up.
    const [{ registerGradients }, { tfjsTrainer }] = await Promise.all([import("../kernels/tfjs-gradients.js"), import("./tfjs-trainer.js")]);
    await registerGradients();
    trainer = tfjsTrainer(start, steps);
  }
  try {
    return trainLoop(compute, trainer, start, train, val, options, onProgress);
  } finally {
    trainer.dispose();
  }
}

function trainLoop(
  compute: Compute,
  trainer: Trainer,
  start: ProjectorParams,
  train: TrainSet,
  val: ValidationSet | undefined,
  options: TrainOptions,
  onProgress?: (progress: TrainProgress) => void,
): Result<TrainOutcome, TrainFailure> {
  const n = train.x.rows;
  if (train.labels.length !== n) throw new Error(`train: ${n} captions but ${train.labels.length} labels`);
  const stepsPerEpoch = Math.ceil(n / options.batchSize);
  const schedule = {
    baseLr: options.lr,
    warmupSteps: Math.round(options.warmupEpochs * stepsPerEpoch),
    totalSteps: options.epochs * stepsPerEpoch,
    schedule: options.schedule,
  };
  const first = val === undefined ? { metrics: UNVALIDATED, predictions: { rows: 0, cols: start.shape.dOut, data: new Float32Array(0) }, seconds: 0 } : evaluate(compute, trainer, val);
  const curve: EpochRecord[] = [{ epoch: 0, loss: null, lr: null, seconds: 0, eval_seconds: first.seconds, ...first.metrics }];
  let best = { epoch: 0, metrics: first.metrics, predictions: first.predictions, tensors: trainer.tensors() };
  let bestValue = selectValue(first.metrics, options.select);
  let step = 0;
  let trainSeconds = 0;
  let trainFlops = 0;
  let epochsRun = 0;
  const last = Math.min(options.epochs, options.stopAfter ?? options.epochs);
  for (let epoch = 1; epoch <= last; epoch++) {
    const order = new Prng(options.seed, `shuffle/${epoch}`).permutation(n);
    const t0 = performance.now();
    let lossSum = 0;
    let lr = options.lr;
    for (let b = 0; b < stepsPerEpoch; b++) {
      const from = b * options.batchSize;
      const to = Math.min(n, from + options.batchSize);
      const rows = to - from;
      const ids = new Int32Array(rows);
      for (let k = from; k < to; k++) ids[k - from] = train.labels[order[k] as number] as number;
      const x = gatherRows(train.x, order, from, to);
      const y = gatherRows(train.targets, order, from, to, train.labels);
      lr = learningRate(step, schedule);
      const dropout = { rate: options.dropout, seed: `${options.seed}/dropout/${epoch}/${b}` };
      const lossValue = trainer.step({ x, y, ids, rows, dropout }, lr);
      if (!Number.isFinite(lossValue)) {
        return err({ reason: "non-finite-loss", message: `the training loss became ${lossValue} at epoch ${epoch}, batch ${b + 1}/${stepsPerEpoch} (lower params.lr or check the inputs)` });
      }
      step++;
      lossSum += lossValue * rows;
      trainFlops += trainStepFlops(start.shape, rows) + lossFlops(rows, start.shape.dOut, options.loss);
      onProgress?.({ done: b + 1, total: stepsPerEpoch, epoch, epochs: options.epochs, loss: lossSum / to, best: bestValue });
    }
    const seconds = (performance.now() - t0) / 1000;
    trainSeconds += seconds;
    epochsRun = epoch;
    onProgress?.({ done: stepsPerEpoch, total: stepsPerEpoch, epoch, epochs: options.epochs, loss: lossSum / n, best: bestValue, validating: true });
    const ev = val === undefined ? first : evaluate(compute, trainer, val);
    curve.push({ epoch, loss: lossSum / n, lr, seconds, eval_seconds: ev.seconds, ...ev.metrics });
    const value = selectValue(ev.metrics, options.select);
    if (val === undefined || value > bestValue) {
      bestValue = value;
      best = { epoch, metrics: ev.metrics, predictions: ev.predictions, tensors: trainer.tensors() };
    }
    if (val !== undefined && options.patience > 0 && epoch - best.epoch >= options.patience) break;
  }
  return ok({
    bestEpoch: best.epoch,
    bestMetrics: best.metrics,
    bestTensors: best.tensors,
    valPredictions: best.predictions,
    curve,
    epochsRun,
    trainSeconds,
    trainFlops,
    productThreads: compute.kind === "native" ? compute.threads : 0,
  });
}
