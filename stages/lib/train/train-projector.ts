// Fine-tuning the projector: seeded mini-batches, AdamW, clipped gradients, validation every epoch, best epoch kept.
import * as tf from "@tensorflow/tfjs-core";
import { AdamW, clipGradNorm } from "./adamw.js";
import { lossFlops, projectorLoss, type LossOptions } from "./losses.js";
import { learningRate, type Schedule } from "./lr-schedule.js";
import type { Matrix } from "../core/matrix.js";
import { allMetrics, type AllMetrics } from "../eval/metrics.js";
import { Prng } from "../core/prng.js";
import { NativeAdamW } from "./native-adamw.js";
import type { NativeGemm } from "../kernels/native-gemm.js";
import { NativeStep } from "../model/native-step.js";
import {
  assignTensors, forward, nativeTraining, predict, projectorTensors, projectorVariables, trainStepFlops, withProductThreads,
  type DropoutSpec, type NamedTensor, type Projector,
} from "../model/projector.js";
import { err, ok, type Result } from "../core/result.js";

/** The eight validation metrics, any of which can select the best epoch (higher is better). */
export const METRIC_NAMES = [
  "mrr_full", "r1_full", "r5_full", "r10_full", "mrr_batch100", "r1_batch100", "r5_batch100", "r10_batch100",
] as const satisfies readonly (keyof AllMetrics)[];

export type MetricName = (typeof METRIC_NAMES)[number];

/** What the projector is trained on. */
export interface TrainSet {
  /** Standardised, clipped training captions (rows × d_in). */
  readonly x: Matrix;
  /** Standardised, clipped images the targets are taken from (images × d_out). */
  readonly targets: Matrix;
  /** The image (row of `targets`) of every training caption. */
  readonly labels: Int32Array;
}

/** What every epoch is judged on. */
export interface ValidationSet {
  /** Standardised (not clipped) validation captions. */
  readonly queries: Matrix;
  /** Standardised (not clipped) full image gallery. */
  readonly gallery: Matrix;
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
  readonly select: MetricName;
  readonly seed: number;
  /**
   * Threads of the SIMD matrix products (projector.ts withProductThreads); absent = tfjs's own
   * matMul (right for the native tensorflow backend). The result does not depend on the count.
   */
  readonly threads?: number;
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
}

/** What training produced. */
export interface TrainOutcome {
  /** The selected epoch (0 = the ridge initialisation was never beaten). */
  readonly bestEpoch: number;
  readonly bestMetrics: AllMetrics;
  /** The selected epoch's parameters (the projector is also left holding them). */
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
  /** Threads the SIMD products ran on; 0 when tfjs's matMul computed them. */
  readonly productThreads: number;
}

/** Why training failed. */
export interface TrainFailure {
  readonly reason: "non-finite-loss";
  readonly message: string;
}

function evaluate(p: Projector, val: ValidationSet): { metrics: AllMetrics; predictions: Matrix; seconds: number } {
  const t0 = performance.now();
  const predictions = predict(p, val.queries);
  const metrics = allMetrics(predictions, val.gallery, val.truth);
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

/** One batch: its rows of x and y, the image of every row, and the dropout of the step. */
interface Batch {
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly ids: Int32Array;
  readonly rows: number;
  readonly dropout: DropoutSpec;
}

/** Runs training steps: the loss of a batch, then one clipped AdamW update. */
interface Trainer {
  /** The batch's loss before the update; a non-finite loss leaves the parameters alone. */
  step(batch: Batch, lr: number): number;
  /** Makes the projector's variables hold the current parameters (before validation). */
  sync(): void;
  dispose(): void;
}

/** Steps on tfjs: variableGrads over the custom ops of projector.ts and losses.ts, AdamW on tensors. */
function tfjsTrainer(projector: Projector, options: TrainOptions): Trainer {
  const vars = projectorVariables(projector);
  const opt = new AdamW(vars, { weightDecay: options.weightDecay });
  return {
    step({ x, y, ids, rows, dropout }, lr) {
      const xt = tf.tensor2d(x, [rows, projector.shape.dIn]);
      const yt = tf.tensor2d(y, [rows, projector.shape.dOut]);
      const { value, grads } = tf.variableGrads(() => projectorLoss(forward(projector, xt, dropout), yt, ids, options.loss), vars);
      const loss = value.dataSync()[0] as number;
      const ordered = vars.map((v) => grads[v.name] as tf.Tensor);
      if (Number.isFinite(loss)) {
        const clipped = options.gradClip > 0 ? clipGradNorm(ordered, options.gradClip).grads : ordered;
        opt.apply(clipped, lr);
        if (clipped !== ordered) tf.dispose(clipped);
      }
      tf.dispose([xt, yt, value, ...ordered]);
      return loss;
    },
    sync() {},
    dispose() {
      opt.dispose();
    },
  };
}

/** Steps on the native kernels (native-step.ts) over float32 copies of the parameters. */
function nativeTrainer(projector: Projector, options: TrainOptions, native: NativeGemm): Trainer {
  const vars = projectorVariables(projector);
  const params = vars.map((v) => Float32Array.from(v.dataSync() as Float32Array));
  const steps = new NativeStep(projector.shape, options.batchSize, native);
  const opt = new NativeAdamW(params, { weightDecay: options.weightDecay }, native.kernels, native.threads);
  return {
    step({ x, y, ids, rows, dropout }, lr) {
      const { loss, grads } = steps.run(params, x, y, ids, rows, options.loss, dropout);
      if (Number.isFinite(loss)) opt.update(grads, lr, options.gradClip);
      return loss;
    },
    sync() {
      vars.forEach((v, i) => tf.tidy(() => v.assign(tf.tensor(params[i] as Float32Array, v.shape))));
    },
    dispose() {},
  };
}

/**
 * Trains `projector` in place and leaves it holding the best epoch's parameters. Epoch 0 (the
 * starting point) is evaluated first and counts as a candidate, as the reference's `best = ev()`.
 * Deterministic for options.seed: the shuffles come from Prng(seed, "shuffle/E"), the dropout
 * masks from seeds derived from (seed, epoch, batch, block). With options.threads the products
 * run on that many threads, with the same result for every count.
 */
export function trainProjector(
  projector: Projector,
  train: TrainSet,
  val: ValidationSet,
  options: TrainOptions,
  onProgress?: (progress: TrainProgress) => void,
): Result<TrainOutcome, TrainFailure> {
  const threads = options.threads;
  if (threads === undefined) return trainLoop(projector, train, val, options, 0, onProgress);
  return withProductThreads(threads, (simd) => trainLoop(projector, train, val, options, simd ? threads : 0, onProgress));
}

function trainLoop(
  projector: Projector,
  train: TrainSet,
  val: ValidationSet,
  options: TrainOptions,
  productThreads: number,
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
  const first = evaluate(projector, val);
  const curve: EpochRecord[] = [{ epoch: 0, loss: null, lr: null, seconds: 0, eval_seconds: first.seconds, ...first.metrics }];
  let best = { epoch: 0, metrics: first.metrics, predictions: first.predictions, tensors: projectorTensors(projector) };
  let bestValue = first.metrics[options.select];
  const native = nativeTraining();
  const trainer = native !== undefined ? nativeTrainer(projector, options, native) : tfjsTrainer(projector, options);
  let step = 0;
  let trainSeconds = 0;
  let trainFlops = 0;
  let epochsRun = 0;
  try {
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
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
        trainFlops += trainStepFlops(projector.shape, rows) + lossFlops(rows, projector.shape.dOut, options.loss);
        onProgress?.({ done: b + 1, total: stepsPerEpoch, epoch, epochs: options.epochs, loss: lossSum / to, best: bestValue });
      }
      const seconds = (performance.now() - t0) / 1000;
      trainSeconds += seconds;
      epochsRun = epoch;
      trainer.sync();
      const ev = evaluate(projector, val);
      curve.push({ epoch, loss: lossSum / n, lr, seconds, eval_seconds: ev.seconds, ...ev.metrics });
      const value = ev.metrics[options.select];
      if (value > bestValue) {
        bestValue = value;
        best = { epoch, metrics: ev.metrics, predictions: ev.predictions, tensors: projectorTensors(projector) };
      }
      if (options.patience > 0 && epoch - best.epoch >= options.patience) break;
    }
  } finally {
    trainer.dispose();
  }
  assignTensors(projector, best.tensors);
  return ok({
    bestEpoch: best.epoch,
    bestMetrics: best.metrics,
    bestTensors: best.tensors,
    valPredictions: best.predictions,
    curve,
    epochsRun,
    trainSeconds,
    trainFlops,
    productThreads,
  });
}
