// The text→image projector in tfjs: an affine map from ridge, optionally plus residual MLP blocks.
//
// Architecture (the reference's `Net`, python_pipeline.py):
//   y0 = base(x) = x·W + b                       (W d_in×d_out, initialised from ridge)
//   y  = y0 + res(y0)                            (resmlp; affine stops at y0)
//   res = block_0 ∘ block_1 ∘ … ∘ block_{depth−1}, applied one after the other (one nn.Sequential)
//   block = LayerNorm(d_out, eps 1e-5) → Linear(d_out→hidden) → GELU (erf form) → Dropout → Linear(hidden→d_out)
// The last Linear of the last block starts at zero (weight and bias), so an untrained projector
// is exactly the ridge map. Other Linear layers start as torch's default: weight and bias
// U(−1/√fan_in, 1/√fan_in), drawn from the seeded Prng (one stream per tensor).
//
// Saved format (weights.npz, see projectorTensors): one float32 .npy per tensor, named
//   base/weight        d_in×d_out   (x·W: torch's weight transposed)
//   base/bias          d_out
//   res/K/ln/gamma     d_out        LayerNorm scale of block K (0-based)
//   res/K/ln/beta      d_out        LayerNorm shift
//   res/K/fc1/weight   d_out×hidden
//   res/K/fc1/bias     hidden
//   res/K/fc2/weight   hidden×d_out
//   res/K/fc2/bias     d_out
// The head and the widths are read back from the names and shapes alone (no res/ = affine).
//
// Gradients: every op between a variable and the loss has a hand-written gradient (customOp), so
// training needs none of tfjs's registered gradients (tfjs-core alone registers none). Speed:
// tfjs-wasm multiplies A·B ~12× faster than A·Bᵀ and ~40× faster than Aᵀ·B (measured at
// 1024×1024 by 1024×1536), the forms tfjs's own matMul gradient uses; these gradients transpose
// explicitly, multiply plainly, and split long inner dimensions (see MAX_INNER).
// Inside withProductThreads (training on the wasm or cpu backend) the three product forms go
// instead to the native GEMM of native-gemm.ts where `npm install` built it, else to the SIMD GEMM
// of threaded-gemm.ts, on every core and bit-identical for any thread count. With the native
// kernels, training steps bypass tfjs altogether (native-step.ts computes the same gradients).
import * as tf from "@tensorflow/tfjs-core";
import type { Matrix } from "../core/matrix.js";
import { Prng } from "../core/prng.js";
import { err, ok, type Result } from "../core/result.js";
import { NativeGemm } from "../kernels/native-gemm.js";
import { ThreadedGemm } from "../kernels/threaded-gemm.js";

/** The float32 GEMM the products go to: native where built, else WebAssembly SIMD. */
type ProductGemm = NativeGemm | ThreadedGemm;

/** Which projector: the ridge map alone, or ridge plus residual MLP blocks. */
export type Head = "affine" | "resmlp";

/** Widths of a projector; depth 0 is the affine head. */
export interface ProjectorShape {
  readonly dIn: number;
  readonly dOut: number;
  /** Width of the residual blocks' hidden layer (0 when depth is 0). */
  readonly hidden: number;
  /** Number of residual blocks. */
  readonly depth: number;
}

/** One residual block's parameters. */
export interface ResidualBlock {
  readonly lnGamma: tf.Variable;
  readonly lnBeta: tf.Variable;
  readonly fc1Weight: tf.Variable;
  readonly fc1Bias: tf.Variable;
  readonly fc2Weight: tf.Variable;
  readonly fc2Bias: tf.Variable;
}

/** A projector's trainable parameters. */
export interface Projector {
  readonly shape: ProjectorShape;
  readonly baseWeight: tf.Variable;
  readonly baseBias: tf.Variable;
  readonly blocks: readonly ResidualBlock[];
}

/** One named parameter as plain data, the unit of weights.npz. */
export interface NamedTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** LayerNorm epsilon (torch's default). */
export const LAYER_NORM_EPS = 1e-5;

/** Rows pushed through the model at once when predicting. */
const PREDICT_ROWS = 4096;

/** An op with a hand-written gradient: forward on the inputs, saving what the gradient needs. */
export type CustomOp = (
  inputs: tf.Tensor[],
  save: tf.GradSaveFunc,
) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[] };

/**
 * tf.customGrad with the inputs as one array. tfjs-core registers no gradients of its own (the
 * umbrella @tensorflow/tfjs package does), so every op a loss depends on through a trainable
 * variable is one of these, each with its gradient in closed form.
 */
export function customOp(f: CustomOp): (...inputs: tf.Tensor[]) => tf.Tensor {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => f(args.slice(0, -1) as tf.Tensor[], args[args.length - 1] as tf.GradSaveFunc));
}

/**
 * The longest inner dimension one product gets. XNNPACK's wasm GEMM walks the whole inner
 * dimension for every output tile, and past ~1024 its panels fall out of cache: measured on
 * 4096-row batches, Xᵀ·dY with K = 4096 runs at ~16 GFLOP/s, as four K = 1024 slices summed at
 * ~23; q·kᵀ with K = 1536 at ~18, as three K = 512 slices at ~26.
 */
const MAX_INNER = 1024;

/** Splits n into the fewest near-equal parts of at most MAX_INNER (start, length) pairs. */
function innerChunks(n: number): [number, number][] {
  const parts = Math.ceil(n / MAX_INNER);
  const size = Math.ceil(n / parts);
  const out: [number, number][] = [];
  for (let at = 0; at < n; at += size) out.push([at, Math.min(size, n - at)]);
  return out;
}

/** The threaded GEMM the products go to, while withProductThreads runs; undefined = tfjs's matMul. */
let threaded: ProductGemm | undefined;
/** One GEMM (and its worker threads) per thread count, made on first use. */
const gemms = new Map<number, ProductGemm | undefined>();

/**
 * Runs `f` with matMulAB, matMulABt and matMulAtB computed on `threads` threads by the native GEMM
 * (native-gemm.ts) or else the SIMD GEMM (threaded-gemm.ts) instead of tfjs's matMul, bit-identical
 * for every thread count. Where both are missing, tfjs's matMul stays; `f` is told which (true =
 * one of the two GEMMs).
 */
export function withProductThreads<T>(threads: number, f: (simd: boolean) => T): T {
  if (!gemms.has(threads)) gemms.set(threads, NativeGemm.create(threads) ?? ThreadedGemm.create(threads));
  const previous = threaded;
  threaded = gemms.get(threads);
  try {
    return f(threaded !== undefined);
  } finally {
    threaded = previous;
  }
}

/** The native GEMM while withProductThreads runs on it (its kernels run whole training steps), else undefined. */
export function nativeTraining(): NativeGemm | undefined {
  return threaded instanceof NativeGemm ? threaded : undefined;
}

/** op(a)·op(b) on the threaded GEMM (op = transpose where asked), as a new tensor. */
function threadedProduct(gemm: ProductGemm, a: tf.Tensor2D, aT: boolean, b: tf.Tensor2D, bT: boolean): tf.Tensor2D {
  const c = gemm.multiply(
    { data: a.dataSync() as Float32Array, rows: a.shape[0], cols: a.shape[1], transposed: aT },
    { data: b.dataSync() as Float32Array, rows: b.shape[0], cols: b.shape[1], transposed: bT },
  );
  return tf.tensor2d(c.data, [c.rows, c.cols]);
}

/** A·B by plain (non-transposed) products only, split along the inner dimension when it is long. */
export function matMulAB(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  if (threaded !== undefined) return threadedProduct(threaded, a, false, b, false);
  const [m, k] = a.shape;
  if (k <= MAX_INNER) return tf.matMul(a, b);
  const parts = innerChunks(k).map(([at, len]) => tf.matMul(tf.slice(a, [0, at], [m, len]), tf.slice(b, [at, 0], [len, b.shape[1]])));
  return tf.addN(parts) as tf.Tensor2D;
}

/** Aᵀ·B (the inner dimension is the rows of both) by explicit transposes and plain products, in row slices. */
export function matMulAtB(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  if (threaded !== undefined) return threadedProduct(threaded, a, true, b, false);
  const [rows, cols] = a.shape;
  if (rows <= MAX_INNER) return tf.matMul(tf.transpose(a), b);
  const parts = innerChunks(rows).map(([at, len]) => tf.matMul(tf.transpose(tf.slice(a, [at, 0], [len, cols])), tf.slice(b, [at, 0], [len, b.shape[1]])));
  return tf.addN(parts) as tf.Tensor2D;
}

/** A·Bᵀ: tfjs's matMul by an explicit transpose (see matMulAB), or the threaded GEMM directly. */
export function matMulABt(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  if (threaded !== undefined) return threadedProduct(threaded, a, false, b, true);
  return matMulAB(a, tf.transpose(b));
}

/** Σ over rows of m, as a vector: a 1×rows ones row times m (reducing along axis 0 is far slower in tfjs-wasm). */
export function columnSums(m: tf.Tensor2D): tf.Tensor1D {
  return tf.reshape(tf.matMul(tf.ones([1, m.shape[0]]), m), [m.shape[1]]);
}

/** x·W + b with gradients dX = dY·Wᵀ, dW = Xᵀ·dY, db = Σ_rows dY (explicit transposes, plain products). */
const dense = customOp(([x, w, b], save) => {
  save([x as tf.Tensor, w as tf.Tensor]);
  return {
    value: tf.add(matMulAB(x as tf.Tensor2D, w as tf.Tensor2D), b as tf.Tensor),
    gradFunc: (dy, saved) => {
      const [sx, sw] = saved as [tf.Tensor2D, tf.Tensor2D];
      const g = dy as tf.Tensor2D;
      return [matMulABt(g, sw), matMulAtB(sx, g), columnSums(g)];
    },
  };
}) as (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;

/** x·W + b for a constant x (input data): only W and b get gradients, so dX is never computed. */
function denseOnData(x: tf.Tensor2D, weight: tf.Variable, bias: tf.Variable): tf.Tensor2D {
  const op = customOp(([w, b], save) => {
    // x is not an input of the op, but saving it keeps it alive until the backward pass.
    save([x]);
    return {
      value: tf.add(matMulAB(x, w as tf.Tensor2D), b as tf.Tensor),
      gradFunc: (dy, saved) => [matMulAtB(saved[0] as tf.Tensor2D, dy as tf.Tensor2D), columnSums(dy as tf.Tensor2D)],
    };
  }) as (w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;
  return op(weight as tf.Tensor2D, bias as tf.Tensor1D);
}

/** a + b of equal shapes (the residual connection). */
const residualAdd = customOp(([a, b]) => ({
  value: tf.add(a as tf.Tensor, b as tf.Tensor),
  gradFunc: (dy) => [dy.clone(), dy.clone()],
})) as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D;

/**
 * Inverted dropout as torch: zero each element with probability `rate`, scale the rest by
 * 1/(1 − rate). The mask is dropoutMask's, as in native training steps.
 */
function dropout(x: tf.Tensor2D, rate: number, seed: string): tf.Tensor2D {
  const keep = 1 - rate;
  const op = customOp(([input], save) => {
    const mask = tf.tensor2d(dropoutMask(input!.size, keep, seed), input!.shape as [number, number]);
    save([mask]);
    return { value: tf.mul(input as tf.Tensor, mask), gradFunc: (dy, saved) => tf.mul(dy, saved[0] as tf.Tensor) };
  }) as (x: tf.Tensor2D) => tf.Tensor2D;
  return op(x);
}

/**
 * n dropout mask values for the stream named `seed`: 1/keep where the keyed hash of the element's
 * index is below keep·2³², else 0. A counter hash (lowbias32 twice, keyed by the Prng state of
 * `seed`) rather than a sequential generator, so native code draws the same mask on every core.
 */
export function dropoutMask(n: number, keep: number, seed: string): Float32Array {
  const [key0, key1] = dropoutKeys(seed);
  const threshold = keep * 4294967296;
  const scale = 1 / keep;
  const mask = new Float32Array(n);
  for (let i = 0; i < n; i++) if (mixBits((mixBits((i ^ key0) >>> 0) + key1) >>> 0) < threshold) mask[i] = scale;
  return mask;
}

/** The two hash keys of a dropout stream. */
export function dropoutKeys(seed: string): [number, number] {
  const [key0, key1] = new Prng(0, seed).state();
  return [key0, key1];
}

/** lowbias32 (Chris Wellons's 32-bit integer hash), unsigned. */
function mixBits(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** The dropout mask seed of block `block` in a batch whose DropoutSpec seed is `seed`. */
export function blockSeed(seed: string, block: number): string {
  return `${seed}/${block}`;
}

const SQRT_HALF = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** GELU in its exact erf form, x·Φ(x) (torch's default), with the closed-form derivative Φ(x) + x·φ(x). */
export const gelu = customOp(([x], save) => {
  const cdf = tf.mul(tf.add(tf.erf(tf.mul(x as tf.Tensor, SQRT_HALF)), 1), 0.5);
  save([x as tf.Tensor, cdf]);
  return {
    value: tf.mul(x as tf.Tensor, cdf),
    gradFunc: (dy, saved) => {
      const [sx, scdf] = saved as [tf.Tensor, tf.Tensor];
      const pdf = tf.mul(tf.exp(tf.mul(tf.square(sx), -0.5)), INV_SQRT_2PI);
      return tf.mul(dy, tf.add(scdf, tf.mul(sx, pdf)));
    },
  };
}) as (x: tf.Tensor2D) => tf.Tensor2D;

/**
 * LayerNorm over the last axis (biased variance, eps 1e-5, as torch) with the closed-form
 * gradient dx = rstd·(g − mean(g) − x̂·mean(g·x̂)), g = dy·γ.
 */
export const layerNorm = customOp(([x, gamma, beta], save) => {
  const centred = tf.sub(x as tf.Tensor, tf.mean(x as tf.Tensor, -1, true));
  const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(centred), -1, true), LAYER_NORM_EPS));
  const xhat = tf.mul(centred, rstd);
  save([xhat, rstd, gamma as tf.Tensor]);
  return {
    value: tf.add(tf.mul(xhat, gamma as tf.Tensor), beta as tf.Tensor),
    gradFunc: (dy, saved) => {
      const [sxhat, srstd, sgamma] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      const g = tf.mul(dy, sgamma);
      const dx = tf.mul(srstd, tf.sub(tf.sub(g, tf.mean(g, -1, true)), tf.mul(sxhat, tf.mean(tf.mul(g, sxhat), -1, true))));
      return [dx, columnSums(tf.mul(dy, sxhat) as tf.Tensor2D), columnSums(dy as tf.Tensor2D)];
    },
  };
}) as (x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D) => tf.Tensor2D;

/** Dropout in training: rate and a seed string that makes the masks reproducible. */
export interface DropoutSpec {
  readonly rate: number;
  /** Prefix of the per-block mask seeds; a new one per batch. */
  readonly seed: string;
}

/**
 * The projector's output for a batch of standardised captions. With `spec` it is the training
 * forward pass (dropout masks seeded from spec.seed); without, the evaluation pass.
 */
export function forward(p: Projector, x: tf.Tensor2D, spec?: DropoutSpec): tf.Tensor2D {
  const y0 = denseOnData(x, p.baseWeight, p.baseBias);
  if (p.blocks.length === 0) return y0;
  let h = y0;
  p.blocks.forEach((b, k) => {
    let z = gelu(dense(layerNorm(h, b.lnGamma as tf.Tensor1D, b.lnBeta as tf.Tensor1D), b.fc1Weight as tf.Tensor2D, b.fc1Bias as tf.Tensor1D));
    if (spec !== undefined && spec.rate > 0) z = dropout(z, spec.rate, blockSeed(spec.seed, k));
    h = dense(z, b.fc2Weight as tf.Tensor2D, b.fc2Bias as tf.Tensor1D);
  });
  return residualAdd(y0, h);
}

/** Predictions for every row of a standardised caption matrix, PREDICT_ROWS rows at a time. */
export function predict(p: Projector, x: Matrix): Matrix {
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

/** What createProjector needs: the head, its widths, the ridge solution and a seed for the rest. */
export interface ProjectorInit {
  readonly head: Head;
  readonly hidden: number;
  readonly depth: number;
  /** Ridge weights, d_in×d_out (x·W). */
  readonly W: Matrix;
  /** Ridge intercept, d_out (zeros when fitted without one). */
  readonly bias: Float32Array;
  /** Seed of the residual blocks' initial weights. */
  readonly seed: number;
}

/** A trainable variable holding a new tensor's values (the tensor itself is freed). */
export function variableOf(make: () => tf.Tensor, trainable = true): tf.Variable {
  return tf.tidy(() => tf.variable(make(), trainable));
}

/** torch's default Linear init, U(−1/√fan_in, 1/√fan_in), from the stream `name` of the seed. */
function uniformInit(shape: number[], fanIn: number, seed: number, name: string): tf.Variable {
  const bound = 1 / Math.sqrt(fanIn);
  const prng = new Prng(seed, `projector/${name}`);
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = (2 * prng.uniform() - 1) * bound;
  return variableOf(() => tf.tensor(data, shape));
}

/** A projector starting at the ridge map (the residual blocks' output is zero). */
export function createProjector(init: ProjectorInit): Projector {
  const { W, bias } = init;
  if (bias.length !== W.cols) throw new Error(`ridge bias has ${bias.length} values, W has ${W.cols} columns`);
  const depth = init.head === "affine" ? 0 : init.depth;
  const hidden = depth === 0 ? 0 : init.hidden;
  const dOut = W.cols;
  const blocks: ResidualBlock[] = [];
  for (let k = 0; k < depth; k++) {
    const last = k === depth - 1;
    const s = `res/${k}`;
    blocks.push({
      lnGamma: variableOf(() => tf.ones([dOut])),
      lnBeta: variableOf(() => tf.zeros([dOut])),
      fc1Weight: uniformInit([dOut, hidden], dOut, init.seed, `${s}/fc1/weight`),
      fc1Bias: uniformInit([hidden], dOut, init.seed, `${s}/fc1/bias`),
      fc2Weight: last ? variableOf(() => tf.zeros([hidden, dOut])) : uniformInit([hidden, dOut], hidden, init.seed, `${s}/fc2/weight`),
      fc2Bias: last ? variableOf(() => tf.zeros([dOut])) : uniformInit([dOut], hidden, init.seed, `${s}/fc2/bias`),
    });
  }
  return {
    shape: { dIn: W.rows, dOut, hidden, depth },
    baseWeight: variableOf(() => tf.tensor2d(W.data, [W.rows, W.cols])),
    baseBias: variableOf(() => tf.tensor1d(bias)),
    blocks,
  };
}

/** Every parameter with its saved name, in the order of the format in the file header. */
export function namedVariables(p: Projector): { readonly name: string; readonly variable: tf.Variable }[] {
  const out = [
    { name: "base/weight", variable: p.baseWeight },
    { name: "base/bias", variable: p.baseBias },
  ];
  p.blocks.forEach((b, k) => {
    out.push(
      { name: `res/${k}/ln/gamma`, variable: b.lnGamma },
      { name: `res/${k}/ln/beta`, variable: b.lnBeta },
      { name: `res/${k}/fc1/weight`, variable: b.fc1Weight },
      { name: `res/${k}/fc1/bias`, variable: b.fc1Bias },
      { name: `res/${k}/fc2/weight`, variable: b.fc2Weight },
      { name: `res/${k}/fc2/bias`, variable: b.fc2Bias },
    );
  });
  return out;
}

/** The trainable variables in saved-name order. */
export function projectorVariables(p: Projector): tf.Variable[] {
  return namedVariables(p).map((v) => v.variable);
}

/** A copy of every parameter as plain data (what weights.npz holds). */
export function projectorTensors(p: Projector): NamedTensor[] {
  return namedVariables(p).map(({ name, variable }) => ({ name, shape: [...variable.shape], data: Float32Array.from(variable.dataSync() as Float32Array) }));
}

/** Overwrites the parameters with saved values (same names and shapes), e.g. the best epoch's. */
export function assignTensors(p: Projector, tensors: readonly NamedTensor[]): void {
  const byName = new Map(tensors.map((t) => [t.name, t]));
  for (const { name, variable } of namedVariables(p)) {
    const t = byName.get(name);
    if (t === undefined) throw new Error(`no saved tensor ${name}`);
    tf.tidy(() => variable.assign(tf.tensor(t.data, [...variable.shape])));
  }
}

/** Why saved tensors do not make a projector. */
export interface ProjectorFormatError {
  readonly reason: "missing-tensor" | "wrong-shape" | "unexpected-tensor";
  readonly message: string;
}

/** Rebuilds a projector from saved tensors (see the format in the file header). */
export function projectorFromTensors(tensors: readonly NamedTensor[]): Result<Projector, ProjectorFormatError> {
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const W = byName.get("base/weight");
  if (W === undefined || W.shape.length !== 2) return err({ reason: "missing-tensor", message: "weights have no 2-D base/weight" });
  const [dIn, dOut] = W.shape as [number, number];
  let depth = 0;
  while (byName.has(`res/${depth}/fc1/weight`)) depth++;
  const hidden = depth === 0 ? 0 : ((byName.get("res/0/fc1/weight") as NamedTensor).shape[1] ?? 0);
  const shape: ProjectorShape = { dIn, dOut, hidden, depth };
  const expected = expectedShapes(shape);
  for (const [name, want] of expected) {
    const t = byName.get(name);
    if (t === undefined) return err({ reason: "missing-tensor", message: `weights have no ${name}` });
    if (t.shape.length !== want.length || t.shape.some((d, i) => d !== want[i]) || t.data.length !== want.reduce((a, b) => a * b, 1)) {
      return err({ reason: "wrong-shape", message: `weights ${name} has shape (${t.shape.join(", ")}), expected (${want.join(", ")})` });
    }
  }
  for (const name of byName.keys()) {
    if (!expected.has(name)) return err({ reason: "unexpected-tensor", message: `weights hold an unknown tensor ${name}` });
  }
  const v = (name: string): tf.Variable => {
    const t = byName.get(name) as NamedTensor;
    return variableOf(() => tf.tensor(t.data, [...t.shape]));
  };
  const blocks: ResidualBlock[] = [];
  for (let k = 0; k < depth; k++) {
    blocks.push({
      lnGamma: v(`res/${k}/ln/gamma`), lnBeta: v(`res/${k}/ln/beta`),
      fc1Weight: v(`res/${k}/fc1/weight`), fc1Bias: v(`res/${k}/fc1/bias`),
      fc2Weight: v(`res/${k}/fc2/weight`), fc2Bias: v(`res/${k}/fc2/bias`),
    });
  }
  return ok({ shape, baseWeight: v("base/weight"), baseBias: v("base/bias"), blocks });
}

function expectedShapes(s: ProjectorShape): Map<string, number[]> {
  const m = new Map<string, number[]>([["base/weight", [s.dIn, s.dOut]], ["base/bias", [s.dOut]]]);
  for (let k = 0; k < s.depth; k++) {
    m.set(`res/${k}/ln/gamma`, [s.dOut]).set(`res/${k}/ln/beta`, [s.dOut]);
    m.set(`res/${k}/fc1/weight`, [s.dOut, s.hidden]).set(`res/${k}/fc1/bias`, [s.hidden]);
    m.set(`res/${k}/fc2/weight`, [s.hidden, s.dOut]).set(`res/${k}/fc2/bias`, [s.dOut]);
  }
  return m;
}

/** Frees the projector's variables. */
export function disposeProjector(p: Projector): void {
  for (const v of projectorVariables(p)) v.dispose();
}

/**
 * Floating-point operations of the matrix products in one training step of `rows` rows (forward
 * and backward; the base layer's input gradient is never formed).
 */
export function trainStepFlops(s: ProjectorShape, rows: number): number {
  const base = 2 * rows * s.dIn * s.dOut;
  const block = 2 * (2 * rows * s.dOut * s.hidden);
  return 2 * base + 3 * s.depth * block;
}
