// Training losses of the projector in tfjs ops (the fallback path; tfjs differentiates them):
// MSE, cosine-embedding and in-batch InfoNCE, and their weighted mix. native/loss.cc computes the
// same formulas with their gradients for the native path.
import * as tf from "@tensorflow/tfjs-core";
import type { InfoNceDirection, LossOptions } from "./loss-options.js";

/** torch's CosineEmbeddingLoss epsilon, added to each squared norm. */
const COSINE_EPS = 1e-12;

/** The smallest norm F.normalize divides by. */
const NORMALIZE_EPS = 1e-12;

/** A logit that exp() turns into exactly 0, for masked pairs. */
const MASKED_LOGIT = -1e9;

/** torch MSELoss: the mean over all elements of (ŷ − y)². */
export function mseLoss(pred: tf.Tensor2D, target: tf.Tensor2D): tf.Scalar {
  return tf.mean(tf.square(tf.sub(pred, target)));
}

/** torch CosineEmbeddingLoss with target 1: the mean over rows of 1 − d/√(a·b), d = Σŷy, a = Σŷ² + 1e-12, b = Σy² + 1e-12. */
export function cosineLoss(pred: tf.Tensor2D, target: tf.Tensor2D): tf.Scalar {
  const d = tf.sum(tf.mul(pred, target), 1);
  const a = tf.add(tf.sum(tf.square(pred), 1), COSINE_EPS);
  const b = tf.add(tf.sum(tf.square(target), 1), COSINE_EPS);
  return tf.mean(tf.sub(1, tf.div(d, tf.sqrt(tf.mul(a, b)))));
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
  if (new Set(ids).size === n) return null;
  const mask = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) if (i !== j && ids[i] === ids[j]) mask[i * n + j] = MASKED_LOGIT;
  }
  return tf.tensor2d(mask, [n, n]);
}

/** Rows over their L2 norm, at least 1e-12 (torch F.normalize). */
function normalizeRows(x: tf.Tensor2D): tf.Tensor2D {
  return tf.div(x, tf.maximum(tf.sqrt(tf.sum(tf.square(x), 1, true)), NORMALIZE_EPS));
}

/**
 * In-batch InfoNCE: S = q·kᵀ/τ (+ the duplicate mask), q and k the L2-normalised predictions and
 * targets, row i's positive at column i; cross-entropy over rows (caption→image) and, when
 * symmetric, over columns (image→caption), averaged. kᵀ is an explicit transpose (tfjs-gemm.ts).
 */
export function infoNceLoss(pred: tf.Tensor2D, target: tf.Tensor2D, ids: Int32Array, temperature: number, direction: InfoNceDirection): tf.Scalar {
  const q = normalizeRows(pred);
  const k = normalizeRows(target);
  let logits = tf.div(tf.matMul(q, tf.transpose(k)), temperature) as tf.Tensor2D;
  const mask = duplicateMask(ids);
  if (mask !== null) logits = tf.add(logits, mask);
  const positive = tf.div(tf.sum(tf.mul(q, k), 1), temperature);
  const rowLoss = tf.mean(tf.sub(tf.logSumExp(logits, 1), positive));
  if (direction === "caption_to_image") return rowLoss as tf.Scalar;
  const columnLoss = tf.mean(tf.sub(tf.logSumExp(tf.transpose(logits), 1), positive));
  return tf.mul(tf.add(rowLoss, columnLoss), 0.5) as tf.Scalar;
}

/**
 * The weighted loss of a batch, weights.mse·MSE + weights.cosine·cosine + weights.infonce·InfoNCE
 * (zero weights skipped); targets and ids are constants.
 */
export function projectorLoss(pred: tf.Tensor2D, target: tf.Tensor2D, ids: Int32Array, options: LossOptions): tf.Scalar {
  const { weights } = options;
  const terms: tf.Scalar[] = [];
  if (weights.mse !== 0) terms.push(tf.mul(mseLoss(pred, target), weights.mse));
  if (weights.cosine !== 0) terms.push(tf.mul(cosineLoss(pred, target), weights.cosine));
  if (weights.infonce !== 0) terms.push(tf.mul(infoNceLoss(pred, target, ids, options.temperature, options.direction), weights.infonce));
  if (terms.length === 0) throw new Error("all loss weights are zero");
  return tf.addN(terms);
}
