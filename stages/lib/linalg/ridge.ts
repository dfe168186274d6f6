// Closed-form ridge regression in float64: W = (XᵀX + αI)⁻¹ XᵀY, solved by Cholesky.
//
// Matches scikit-learn's Ridge(alpha, solver="svd") (the same minimiser, computed through the
// normal equations instead of an SVD of X). With an intercept, X and Y are centred first and
// bias = ȳ − x̄·W, as scikit-learn does.
import { cholesky, choleskySolve, type CholeskyFailure, type RowUpdates } from "./cholesky.js";
import type { Gemm } from "../kernels/gemm.js";
import type { Matrix, Matrix64 } from "../core/matrix.js";
import { crossProduct, gram, transpose, type AnyMatrix, type ProductProgress } from "./products.js";
import { err, ok, type Result } from "../core/result.js";
import { columnMeans } from "./standardize.js";

/** A fitted ridge map: predictions are x·W + bias. */
export interface RidgeFit {
  /** d_in×d_out. */
  readonly W: Matrix64;
  /** d_out; zeros without an intercept. */
  readonly bias: Float64Array;
}

/** Why a ridge fit failed. */
export type RidgeFailure =
  | { readonly reason: "shape-mismatch"; readonly message: string }
  | { readonly reason: "bad-alpha"; readonly message: string }
  | CholeskyFailure;

/** The phases of a fit, in order. */
export type RidgePhase = "gram" | "cross-product" | "solve";

export interface RidgeOptions {
  /**
   * Row r of the targets is Y[yRows[r]] (repeats allowed): the targets are given as the distinct
   * rows they repeat, e.g. images with five captions each. XᵀY is then computed as Σ_u S_uᵀ·Y_u
   * with S_u the sum of the X rows mapped to u, which costs n·d_in + n_u·d_in·d_out instead of
   * n·d_in·d_out.
   */
  readonly yRows?: Int32Array;
  /** The solve's row updates on the native kernels, where the stage has them (the same bits). */
  readonly rowUpdates?: RowUpdates;
  /** Progress within each phase (rows of X done for the products; 0 then 1 of 1 for the solve). */
  readonly onProgress?: (phase: RidgePhase, done: number, total: number) => void;
}

/** Fits ridge regression of Y on X (rows paired, or through options.yRows). */
export function fitRidge(gemm: Gemm, x: Matrix, y: Matrix, alpha: number, intercept: boolean, options: RidgeOptions = {}): Result<RidgeFit, RidgeFailure> {
  const { yRows } = options;
  const n = x.rows;
  const dIn = x.cols, dOut = y.cols;
  if ((yRows === undefined ? y.rows : yRows.length) !== n) {
    return err({ reason: "shape-mismatch", message: `ridge: ${n} input rows but ${yRows === undefined ? y.rows : yRows.length} target rows` });
  }
  if (!(alpha >= 0)) return err({ reason: "bad-alpha", message: `ridge: alpha must be ≥ 0, got ${alpha}` });
  const xMean = intercept ? columnMeans(x) : undefined;
  const yMean = intercept ? columnMeans(y, yRows) : undefined;
  const report = options.onProgress;
  const g = gram(gemm, x, xMean === undefined ? {} : { center: xMean }, report && ((done, total) => report("gram", done, total)));
  for (let i = 0; i < dIn; i++) g.data[i * dIn + i] = (g.data[i * dIn + i] as number) + alpha;
  const crossProgress = report && ((done: number, total: number) => report("cross-product", done, total));
  const xty = yRows === undefined
    ? crossProduct(gemm, x, y, xMean === undefined ? {} : { center: xMean }, yMean === undefined ? {} : { center: yMean }, crossProgress)
    : groupedCrossProduct(gemm, x, y, yRows, xMean, yMean, crossProgress);
  report?.("solve", 0, 1);
  const l = cholesky(g);
  if (!l.ok) return l;
  const W = choleskySolve(l.value, xty, options.rowUpdates);
  report?.("solve", 1, 1);
  const bias = new Float64Array(dOut);
  if (xMean !== undefined && yMean !== undefined) {
    for (let j = 0; j < dOut; j++) {
      let s = yMean[j] as number;
      for (let i = 0; i < dIn; i++) s -= (xMean[i] as number) * (W.data[i * dOut + j] as number);
      bias[j] = s;
    }
  }
  return ok({ W, bias });
}

/** Σ_r (x_r − x̄)(y_{yRows[r]} − ȳ)ᵀ computed over the distinct target rows (see RidgeOptions.yRows). */
export function groupedCrossProduct(gemm: Gemm, x: Matrix, y: Matrix, yRows: Int32Array, xMean: Float64Array | undefined, yMean: Float64Array | undefined, progress?: ProductProgress): Matrix64 {
  const dIn = x.cols;
  const slot = new Int32Array(y.rows).fill(-1);
  const used: number[] = [];
  for (let r = 0; r < yRows.length; r++) {
    const u = yRows[r] as number;
    if (!(u >= 0 && u < y.rows)) throw new Error(`ridge: yRows[${r}] = ${u} is outside the ${y.rows} target rows`);
    if (slot[u] === -1) {
      slot[u] = used.length;
      used.push(u);
    }
  }
  const sums = new Float64Array(used.length * dIn);
  for (let r = 0; r < yRows.length; r++) {
    const o = (slot[yRows[r] as number] as number) * dIn;
    const xo = r * dIn;
    if (xMean === undefined) {
      for (let j = 0; j < dIn; j++) sums[o + j] = (sums[o + j] as number) + (x.data[xo + j] as number);
    } else {
      for (let j = 0; j < dIn; j++) sums[o + j] = (sums[o + j] as number) + (x.data[xo + j] as number) - (xMean[j] as number);
    }
  }
  const rows = Int32Array.from(used);
  return crossProduct(gemm, { rows: used.length, cols: dIn, data: sums }, y, {}, yMean === undefined ? { rows } : { rows, center: yMean }, progress);
}

/**
 * How far W (d_in×d_out) is from a scaled (semi-)orthogonal map, scale-free: with G the smaller
 * Gram matrix (W·Wᵀ when d_in ≤ d_out, else Wᵀ·W, size m×m) and c = m / ‖W‖_F² (so c·G has mean
 * eigenvalue 1), drift = ‖c·G − I‖_F / √m. It equals the root-mean-square deviation of the
 * normalised squared singular values c·σᵢ² from 1, i.e. their coefficient of variation: 0 for
 * W = s·Q with Q having orthonormal rows (or columns), growing as W stretches some directions more
 * than others (a rank-one W of large m gives about √m).
 */
export function orthogonalityDrift(gemm: Gemm, w: AnyMatrix): number {
  const g = w.rows <= w.cols ? gram(gemm, transpose(w)) : gram(gemm, w);
  const m = g.rows;
  let trace = 0;
  for (let i = 0; i < m; i++) trace += g.data[i * m + i] as number;
  if (!(trace > 0)) return Number.NaN;
  const c = m / trace;
  let s = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      const v = c * (g.data[i * m + j] as number) - (i === j ? 1 : 0);
      s += v * v;
    }
  }
  return Math.sqrt(s / m);
}
