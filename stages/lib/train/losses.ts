// Training losses of the projector: MSE, cosine-embedding and in-batch InfoNCE, and their weighted mix.
//
// Each term comes with its gradient with respect to the predictions in closed form; the weighted
// mix is one custom op (tfjs-core registers no gradients, see projector.ts).
import * as tf from "@tensorflow/tfjs-core";
import { customOp, matMulAB } from "../model/projector.js";

/** Weights of the three loss terms (params.loss); a zero weight skips that term entirely. */
export interface LossWeights {
  readonly mse: number;
  readonly cosine: number;
  readonly infonce: number;
}

/** Symmetric (caption→image and image→caption, averaged) or caption→image only. */
export type InfoNceDirection = "symmetric" | "caption_to_image";

/** Everything the loss needs besides predictions and targets. */
export interface LossOptions {
  readonly weights: LossWeights;
  /** InfoNCE softmax temperature. */
  readonly temperature: number;
  readonly direction: InfoNceDirection;
}

/** A loss value and its gradient with respect to the predictions. */
export interface LossTerm {
  readonly value: tf.Scalar;
  readonly grad: tf.Tensor2D;
}

/** torch's CosineEmbeddingLoss epsilon, added to each squared norm. */
const COSINE_EPS = 1e-12;

/** The smallest norm F.normalize divides by. */
const NORMALIZE_EPS = 1e-12;

/** A logit that exp() turns into exactly 0, for masked pairs. */
const MASKED_LOGIT = -1e9;

/** torch MSELoss: the mean over all elements of (ŷ − y)²; gradient 2(ŷ − y)/size. */
export function mseTerm(pred: tf.Tensor2D, target: tf.Tensor2D): LossTerm {
  const diff = tf.sub(pred, target);
  return { value: tf.mean(tf.square(diff)) as tf.Scalar, grad: tf.mul(diff, 2 / diff.size) };
}

/**
 * torch CosineEmbeddingLoss with target 1: the mean over rows of 1 − c, c = d/√(a·b) with
 * d = Σŷy, a = Σŷ² + 1e-12, b = Σy² + 1e-12; gradient per row −(y − (d/a)·ŷ)/(√(a·b)·rows).
 */
export function cosineTerm(pred: tf.Tensor2D, target: tf.Tensor2D): LossTerm {
  const rows = pred.shape[0];
  const d = tf.sum(tf.mul(pred, target), 1, true);
  const a = tf.add(tf.sum(tf.square(pred), 1, true), COSINE_EPS);
  const b = tf.add(tf.sum(tf.square(target), 1, true), COSINE_EPS);
  const root = tf.sqrt(tf.mul(a, b));
  const value = tf.mean(tf.sub(1, tf.div(d, root))) as tf.Scalar;
  const grad = tf.div(tf.sub(tf.mul(pred, tf.div(d, a)), target), tf.mul(root, rows)) as tf.Tensor2D;
  return { value, grad };
}

/**
 * The additive mask for pairs (i, j), i ≠ j, whose rows show the same image, or null when the
 * batch has no such pair. Five captions of one image often share a batch; their targets are
 * identical, so counting a sibling's image as a negative would push a caption away from its own
 * image. Masked pairs are dropped from both softmaxes (logit −1e9, so exp gives exactly 0): each
 * caption competes against the batch's other images, each image against other images' captions.
 */
export function duplicateMask(ids: Int32Array): tf.Tensor2D | null {
  const n = ids.length;
  const seen = new Set<number>();
  let any = false;
  for (let i = 0; i < n && !any; i++) {
    const id = ids[i] as number;
    if (seen.has(id)) any = true;
    seen.add(id);
  }
  if (!any) return null;
  const mask = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) if (i !== j && ids[i] === ids[j]) mask[i * n + j] = MASKED_LOGIT;
  }
  return tf.tensor2d(mask, [n, n]);
}

/** Rows over their L2 norm (at least 1e-12, as torch F.normalize), and the norms. */
function normalizeRows(x: tf.Tensor2D): { unit: tf.Tensor2D; norm: tf.Tensor2D } {
  const norm = tf.maximum(tf.sqrt(tf.sum(tf.square(x), 1, true)), NORMALIZE_EPS) as tf.Tensor2D;
  return { unit: tf.div(x, norm), norm };
}

/**
 * In-batch InfoNCE: S = q·kᵀ/τ (+ the duplicate mask), q and k the L2-normalised predictions and
 * targets, row i's positive at column i; cross-entropy over rows (caption→image) and, when
 * symmetric, over columns (image→caption), averaged. `ids` (the image of every row) masks
 * duplicate positives (see duplicateMask). Gradient: with P the row softmax of S and Q that of Sᵀ,
 * dS = (P − I)/n, or (P − I + Qᵀ − I)/(2n) when symmetric; dq = dS·k/τ (so I·k = k needs no
 * identity matrix); dŷ = (dq − q·⟨q, dq⟩)/‖ŷ‖. Column reductions run on Sᵀ, as tfjs reduces rows fastest.
 */
export function infoNceTerm(pred: tf.Tensor2D, target: tf.Tensor2D, ids: Int32Array, temperature: number, direction: InfoNceDirection): LossTerm {
  const n = pred.shape[0];
  const { unit: q, norm } = normalizeRows(pred);
  const k = normalizeRows(target).unit;
  let logits = tf.div(matMulAB(q, tf.transpose(k)), temperature) as tf.Tensor2D;
  const mask = duplicateMask(ids);
  if (mask !== null) logits = tf.add(logits, mask);
  const positive = tf.div(tf.sum(tf.mul(q, k), 1), temperature);
  /** Per-row log-sum-exp and row softmax of a square logit matrix, with one exp pass. */
  const softmaxRows = (m: tf.Tensor2D): { lse: tf.Tensor1D; p: tf.Tensor2D } => {
    const max = tf.max(m, 1, true);
    const e = tf.exp(tf.sub(m, max));
    const total = tf.sum(e, 1, true);
    return { lse: tf.reshape(tf.add(max, tf.log(total)), [n]), p: tf.div(e, total) };
  };
  const rows = softmaxRows(logits);
  const rowLoss = tf.mean(tf.sub(rows.lse, positive)) as tf.Scalar;
  let value: tf.Scalar;
  let dq: tf.Tensor;
  if (direction === "symmetric") {
    const columns = softmaxRows(tf.transpose(logits));
    value = tf.mul(tf.add(rowLoss, tf.mean(tf.sub(columns.lse, positive))), 0.5) as tf.Scalar;
    const both = tf.add(rows.p, tf.transpose(columns.p)) as tf.Tensor2D;
    dq = tf.div(tf.sub(matMulAB(both, k), tf.mul(k, 2)), 2 * n * temperature);
  } else {
    value = rowLoss;
    dq = tf.div(tf.sub(matMulAB(rows.p, k), k), n * temperature);
  }
  const grad = tf.div(tf.sub(dq, tf.mul(q, tf.sum(tf.mul(q, dq), 1, true))), norm) as tf.Tensor2D;
  return { value, grad };
}

/** The weighted terms of the loss (zero weights skipped), each as value and gradient. */
export function lossTerms(pred: tf.Tensor2D, target: tf.Tensor2D, ids: Int32Array, options: LossOptions): { weight: number; term: LossTerm }[] {
  const { weights } = options;
  const out: { weight: number; term: LossTerm }[] = [];
  if (weights.mse !== 0) out.push({ weight: weights.mse, term: mseTerm(pred, target) });
  if (weights.cosine !== 0) out.push({ weight: weights.cosine, term: cosineTerm(pred, target) });
  if (weights.infonce !== 0) out.push({ weight: weights.infonce, term: infoNceTerm(pred, target, ids, options.temperature, options.direction) });
  if (out.length === 0) throw new Error("all loss weights are zero");
  return out;
}

/**
 * The weighted loss of a batch, weights.mse·MSE + weights.cosine·cosine + weights.infonce·InfoNCE,
 * differentiable with respect to `pred` (targets and ids are constants).
 */
export function projectorLoss(pred: tf.Tensor2D, target: tf.Tensor2D, ids: Int32Array, options: LossOptions): tf.Scalar {
  const op = customOp(([p], save) => {
    const terms = lossTerms(p as tf.Tensor2D, target, ids, options);
    const value = tf.addN(terms.map(({ weight, term }) => tf.mul(term.value, weight)));
    const grad = tf.addN(terms.map(({ weight, term }) => tf.mul(term.grad, weight)));
    save([grad]);
    return { value, gradFunc: (dy, saved) => tf.mul(saved[0] as tf.Tensor, dy) };
  });
  return op(pred) as tf.Scalar;
}

/** Floating-point operations of the loss's matrix products for a batch (InfoNCE's S = q·kᵀ and dS·k). */
export function lossFlops(rows: number, dOut: number, options: LossOptions): number {
  return options.weights.infonce !== 0 ? 4 * rows * rows * dOut : 0;
}
