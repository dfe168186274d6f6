// The projector's forward pass in tfjs ops, for where the native kernels are missing; tfjs differentiates it.
//
// Written with plain products (x·W) only: tfjs's MatMul gradient is registered by
// kernels/tfjs-gradients.ts with explicit transposes, the fast form on tfjs's wasm backend.
import * as tf from "@tensorflow/tfjs-core";
import type { Matrix } from "../core/matrix.js";
import { blockSeed, dropoutMask, type DropoutSpec } from "./dropout-mask.js";
import { LAYER_NORM_EPS, type NamedTensor, type ProjectorParams, type ProjectorShape } from "./projector.js";

/** A projector's parameters as tfjs variables, in the saved order. */
export interface TfjsProjector {
  readonly shape: ProjectorShape;
  readonly names: readonly string[];
  readonly variables: readonly tf.Variable[];
}

/** Rows pushed through the model at once when predicting. */
const PREDICT_ROWS = 4096;

const SQRT_HALF = Math.SQRT1_2;

/** Trainable variables holding the parameters (copies). */
export function tfjsProjector(params: ProjectorParams): TfjsProjector {
  return {
    shape: params.shape,
    names: params.tensors.map((t) => t.name),
    variables: params.tensors.map((t) => tf.tidy(() => tf.variable(tf.tensor(t.data, [...t.shape])))),
  };
}

/** LayerNorm over the last axis: biased variance, eps 1e-5, as torch. */
function layerNorm(x: tf.Tensor2D, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor2D {
  const centred = tf.sub(x, tf.mean(x, -1, true));
  const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(centred), -1, true), LAYER_NORM_EPS));
  return tf.add(tf.mul(tf.mul(centred, rstd), gamma), beta);
}

/** GELU in its exact erf form, x·Φ(x) (torch's default). */
function gelu(x: tf.Tensor2D): tf.Tensor2D {
  return tf.mul(x, tf.mul(tf.add(tf.erf(tf.mul(x, SQRT_HALF)), 1), 0.5));
}

/** x·W + b. */
function dense(x: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  return tf.add(tf.matMul(x, w as tf.Tensor2D), b);
}

/**
 * The projector's output for a batch of standardised captions. With `spec` it is the training
 * forward pass (inverted dropout, masks from dropout-mask.ts); without, the evaluation pass.
 */
export function forward(p: TfjsProjector, x: tf.Tensor2D, spec?: DropoutSpec): tf.Tensor2D {
  const v = p.variables;
  const at = (i: number): tf.Variable => v[i] as tf.Variable;
  const y0 = dense(x, at(0), at(1));
  let h = y0;
  for (let k = 0; k < p.shape.depth; k++) {
    const o = 2 + 6 * k;
    let z = gelu(dense(layerNorm(h, at(o), at(o + 1)), at(o + 2), at(o + 3)));
    if (spec !== undefined && spec.rate > 0) {
      z = tf.mul(z, tf.tensor2d(dropoutMask(z.size, 1 - spec.rate, blockSeed(spec.seed, k)), z.shape));
    }
    h = dense(z, at(o + 4), at(o + 5));
  }
  return p.shape.depth === 0 ? y0 : tf.add(y0, h);
}

/** Predictions for every row of a standardised caption matrix, PREDICT_ROWS rows at a time. */
export function predict(p: TfjsProjector, x: Matrix): Matrix {
  if (x.cols !== p.shape.dIn) throw new Error(`projector takes ${p.shape.dIn} columns, got ${x.cols}`);
  const out = new Float32Array(x.rows * p.shape.dOut);
  for (let r0 = 0; r0 < x.rows; r0 += PREDICT_ROWS) {
    const r1 = Math.min(x.rows, r0 + PREDICT_ROWS);
    const y = tf.tidy(() => forward(p, tf.tensor2d(x.data.subarray(r0 * x.cols, r1 * x.cols), [r1 - r0, x.cols])));
    out.set(y.dataSync() as Float32Array, r0 * p.shape.dOut);
    y.dispose();
  }
  return { rows: x.rows, cols: p.shape.dOut, data: out };
}

/** A copy of every parameter as plain data (what weights.npz holds). */
export function tfjsTensors(p: TfjsProjector): NamedTensor[] {
  return p.variables.map((v, i) => ({ name: p.names[i] as string, shape: [...v.shape], data: Float32Array.from(v.dataSync() as Float32Array) }));
}

/** Overwrites the parameters with saved values of the same names and shapes, e.g. the best epoch's. */
export function assignTfjs(p: TfjsProjector, tensors: readonly NamedTensor[]): void {
  const byName = new Map(tensors.map((t) => [t.name, t]));
  p.variables.forEach((v, i) => {
    const t = byName.get(p.names[i] as string);
    if (t === undefined) throw new Error(`no saved tensor ${p.names[i]}`);
    tf.tidy(() => v.assign(tf.tensor(t.data, [...v.shape])));
  });
}

/** Frees the variables. */
export function disposeTfjs(p: TfjsProjector): void {
  for (const v of p.variables) v.dispose();
}
