// The projector's forward and backward pass on the native kernels, on float32 arrays in buffers
// reused from batch to batch: the native path's one copy of the model's formulas.
//
// Forward, for a batch x (rows × dIn):
//   y0 = x·W + b;  h_0 = y0;  per block k: ln_k = LN(h_k), a_k = ln_k·W1 + b1,
//   z_k = GELU(a_k)·mask_k (dropout), h_{k+1} = z_k·W2 + b2;  pred = y0 + h_depth.
// Backward walks the blocks in reverse with LayerNorm's and GELU's closed-form gradients
// (native/layers.cc). Parameters are in the saved order of projector.ts.
import type { Matrix } from "../core/matrix.js";
import type { NativeAddon } from "../kernels/native-addon.js";
import { blockSeed, dropoutKeys, type DropoutSpec } from "./dropout-mask.js";
import { LAYER_NORM_EPS, type ProjectorShape } from "./projector.js";

/** Per-block activations kept for the backward pass. */
interface BlockBuffers {
  readonly input: Float32Array; // h_k (rows × dOut); block 0's is y0
  readonly xhat: Float32Array; // LN's normalised input (rows × dOut)
  readonly rstd: Float32Array; // LN's 1/σ per row
  readonly ln: Float32Array; // LN's output (rows × dOut)
  readonly a: Float32Array; // fc1's output (rows × hidden)
  readonly cdf: Float32Array; // Φ(a)
  readonly mask: Float32Array; // dropout mask (rows × hidden)
  readonly z: Float32Array; // GELU(a)·mask (rows × hidden)
}

/** Forward and backward passes of one projector shape for batches of up to `maxRows` rows. */
export class NativeProjector {
  private readonly blocks: BlockBuffers[];
  private readonly y0: Float32Array;
  private readonly pred: Float32Array;
  private readonly dInput: Float32Array; // gradient w.r.t. a block's input (rows × dOut)
  private readonly dHidden: Float32Array; // rows × hidden
  private readonly dLn: Float32Array; // rows × dOut
  private readonly grads: Float32Array[];
  /** Whether the last forward pass drew dropout masks. */
  private masked = false;

  constructor(
    readonly shape: ProjectorShape,
    readonly maxRows: number,
    private readonly kernels: NativeAddon,
    private readonly threads: number,
  ) {
    const { dIn, dOut, hidden, depth } = shape;
    const wide = maxRows * dOut, deep = maxRows * hidden;
    this.blocks = Array.from({ length: depth }, (_, k) => ({
      input: k === 0 ? new Float32Array(0) : new Float32Array(wide),
      xhat: new Float32Array(wide), rstd: new Float32Array(maxRows), ln: new Float32Array(wide),
      a: new Float32Array(deep), cdf: new Float32Array(deep), mask: new Float32Array(deep), z: new Float32Array(deep),
    }));
    this.y0 = new Float32Array(wide);
    this.pred = new Float32Array(wide);
    this.dInput = new Float32Array(depth > 0 ? wide : 0);
    this.dHidden = new Float32Array(depth > 0 ? deep : 0);
    this.dLn = new Float32Array(depth > 0 ? wide : 0);
    this.grads = [new Float32Array(dIn * dOut), new Float32Array(dOut)];
    for (let k = 0; k < depth; k++) {
      this.grads.push(new Float32Array(dOut), new Float32Array(dOut), new Float32Array(dOut * hidden), new Float32Array(hidden), new Float32Array(hidden * dOut), new Float32Array(dOut));
    }
  }

  /**
   * The predictions for `rows` rows of x (rows × dIn), a view overwritten by the next call; with
   * `dropout`, the training pass (masks as dropout-mask.ts draws them), keeping what backward needs.
   */
  forward(params: readonly Float32Array[], x: Float32Array, rows: number, dropout?: DropoutSpec): Float32Array {
    const { dIn, dOut, hidden, depth } = this.shape;
    if (rows > this.maxRows) throw new Error(`NativeProjector: ${rows} rows, made for ${this.maxRows}`);
    const { kernels, threads } = this;
    const p = (i: number): Float32Array => params[i] as Float32Array;
    const wide = rows * dOut, deep = rows * hidden;
    const y0 = this.y0.subarray(0, wide);
    this.affine(x, dIn, p(0), p(1), rows, dOut, y0);

    // Forward through the blocks; the last block's output lands in pred, y0 added below.
    const pred = this.pred.subarray(0, wide);
    const keep = dropout !== undefined && dropout.rate > 0 ? 1 - dropout.rate : 1;
    this.masked = keep < 1;
    for (let k = 0; k < depth; k++) {
      const b = this.blocks[k] as BlockBuffers;
      const at = 2 + 6 * k;
      const input = k === 0 ? y0 : b.input.subarray(0, wide);
      const ln = b.ln.subarray(0, wide), a = b.a.subarray(0, deep), z = b.z.subarray(0, deep);
      kernels.layerNormForward(input, p(at), p(at + 1), rows, dOut, LAYER_NORM_EPS, ln, b.xhat, b.rstd, threads);
      this.affine(ln, dOut, p(at + 2), p(at + 3), rows, hidden, a);
      const mask = keep < 1 ? this.fillMask(b.mask.subarray(0, deep), keep, blockSeed((dropout as DropoutSpec).seed, k)) : EMPTY;
      kernels.geluForward(a, mask, deep, z, b.cdf, threads);
      const next = k + 1 < depth ? (this.blocks[k + 1] as BlockBuffers).input.subarray(0, wide) : pred;
      this.affine(z, hidden, p(at + 4), p(at + 5), rows, dOut, next);
    }
    if (depth > 0) kernels.addArrays(y0, pred, pred, threads);
    else pred.set(y0);
    return pred;
  }

  /**
   * The gradient of every parameter (views overwritten by the next call) for the last forward
   * pass over the same x, given dPred, the loss's gradient with respect to its predictions.
   */
  backward(params: readonly Float32Array[], x: Float32Array, rows: number, dPred: Float32Array): readonly Float32Array[] {
    const { dIn, dOut, hidden, depth } = this.shape;
    const { kernels, threads } = this;
    const p = (i: number): Float32Array => params[i] as Float32Array;
    const g = (i: number): Float32Array => this.grads[i] as Float32Array;
    const wide = rows * dOut, deep = rows * hidden;
    const masked = this.masked;
    // Backward: dCur walks from the last block's output gradient (dPred) to block 0's input (= y0).
    let dCur = dPred;
    for (let k = depth - 1; k >= 0; k--) {
      const b = this.blocks[k] as BlockBuffers;
      const at = 2 + 6 * k;
      const ln = b.ln.subarray(0, wide), a = b.a.subarray(0, deep), z = b.z.subarray(0, deep);
      const dHidden = this.dHidden.subarray(0, deep);
      // fc2: dW2 = zᵀ·dOut, db2 = Σ dOut, dz = dOut·W2ᵀ; then through the mask and GELU.
      kernels.gemm(true, false, hidden, dOut, rows, z, hidden, dCur, dOut, g(at + 4), dOut, false, threads);
      kernels.columnSums(dCur, rows, dOut, g(at + 5), threads);
      kernels.gemm(false, true, rows, hidden, dOut, dCur, dOut, p(at + 4), dOut, dHidden, hidden, false, threads);
      kernels.geluBackward(dHidden, masked ? b.mask.subarray(0, deep) : EMPTY, a, b.cdf, deep, dHidden, threads);
      // fc1: dW1 = lnᵀ·da, db1 = Σ da, dln = da·W1ᵀ; then LayerNorm.
      const dLn = this.dLn.subarray(0, wide);
      kernels.gemm(true, false, dOut, hidden, rows, ln, dOut, dHidden, hidden, g(at + 2), hidden, false, threads);
      kernels.columnSums(dHidden, rows, hidden, g(at + 3), threads);
      kernels.gemm(false, true, rows, dOut, hidden, dHidden, hidden, p(at + 2), hidden, dLn, dOut, false, threads);
      // dCur is not read again, so the input gradient may overwrite it (but never dPred, needed below).
      const dInput = this.dInput.subarray(0, wide);
      kernels.layerNormBackward(dLn, b.xhat, b.rstd, p(at), rows, dOut, dInput, g(at), g(at + 1), threads);
      dCur = dInput;
    }
    // y0 feeds the residual sum and block 0: its gradient is dPred plus what came back through the blocks.
    let dY0 = dPred;
    if (depth > 0) {
      kernels.addArrays(dPred, dCur, dCur, threads);
      dY0 = dCur;
    }
    kernels.gemm(true, false, dIn, dOut, rows, x, dIn, dY0, dOut, g(0), dOut, false, threads);
    kernels.columnSums(dY0, rows, dOut, g(1), threads);
    return this.grads;
  }


  /** The model's output for every row of x (standardised captions), maxRows rows at a time. */
  predict(params: readonly Float32Array[], x: Matrix): Matrix {
    const { dIn, dOut } = this.shape;
    if (x.cols !== dIn) throw new Error(`projector takes ${dIn} columns, got ${x.cols}`);
    const out = new Float32Array(x.rows * dOut);
    for (let r0 = 0; r0 < x.rows; r0 += this.maxRows) {
      const rows = Math.min(this.maxRows, x.rows - r0);
      out.set(this.forward(params, x.data.subarray(r0 * dIn, (r0 + rows) * dIn), rows), r0 * dOut);
    }
    return { rows: x.rows, cols: dOut, data: out };
  }

  /** out (rows × n) = a (rows × k)·W (k × n) + bias: the product accumulated onto the bias rows. */
  private affine(a: Float32Array, k: number, w: Float32Array, bias: Float32Array, rows: number, n: number, out: Float32Array): void {
    this.kernels.broadcastRows(bias, rows, n, out, this.threads);
    this.kernels.gemm(false, false, rows, n, k, a, k, w, n, out, n, true, this.threads);
  }

  /** The dropout mask of dropout-mask.ts for `seed`, drawn by the native kernels. */
  private fillMask(mask: Float32Array, keep: number, seed: string): Float32Array {
    const [key0, key1] = dropoutKeys(seed);
    this.kernels.dropoutMask(key0, key1, keep * 4294967296, 1 / keep, mask.length, mask, this.threads);
    return mask;
  }
}

const EMPTY = new Float32Array(0);
