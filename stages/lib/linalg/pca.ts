// Principal component analysis by eigendecomposition of the float64 covariance matrix.
//
// Matches scikit-learn's PCA(svd_solver="full") up to the sign of each component: the covariance
// (Xc)ᵀXc / (n − 1) has the squared singular values of the centred data over n − 1 as eigenvalues
// and its right singular vectors as eigenvectors. Signs are fixed so the largest-magnitude entry of
// every component is positive (scikit-learn ≥ 1.5's convention), which makes the result
// reproducible across runs.
import type { Matrix } from "../core/matrix.js";
import type { Gemm } from "../kernels/gemm.js";
import { gram, multiplyABt } from "./products.js";
import { err, ok, type Result } from "../core/result.js";
import { symmetricEigen, type EigenFailure, type LapackEigen } from "./eigen-symmetric.js";
import { columnMeans } from "./standardize.js";

/** A fitted PCA. */
export interface Pca {
  /** Column means of the training rows (d). */
  readonly mean: Float64Array;
  /** k×d, rows are the principal axes, by decreasing variance. */
  readonly components: Matrix;
  /** Variance along each axis (k), with ddof = 1 like scikit-learn. */
  readonly explainedVariance: Float64Array;
  /** explainedVariance over the total variance of all d directions (k). */
  readonly explainedVarianceRatio: Float64Array;
}

/** Why a PCA could not be fitted. */
export type PcaFailure =
  | { readonly reason: "bad-components"; readonly message: string }
  | { readonly reason: "too-few-rows"; readonly message: string }
  | EigenFailure;

/** Progress of a fit: rows of the covariance done, then the eigendecomposition (0 then 1 of 1). */
export type PcaProgress = (phase: "covariance" | "eigendecomposition", done: number, total: number) => void;

/** The products and, where linked, the LAPACK eigensolver a fit runs on. */
export interface PcaKernels {
  readonly gemm: Gemm;
  readonly lapack?: LapackEigen;
}

/** Fits a k-component PCA on the given rows of X (all rows when `rows` is absent). */
export function fitPca(kernels: PcaKernels, x: Matrix, k: number, rows?: Int32Array, onProgress?: PcaProgress): Result<Pca, PcaFailure> {
  const d = x.cols;
  const n = rows === undefined ? x.rows : rows.length;
  if (!Number.isInteger(k) || k < 1 || k > d) return err({ reason: "bad-components", message: `PCA components must be an integer in 1..${d}, got ${k}` });
  if (n < 2) return err({ reason: "too-few-rows", message: `PCA needs at least 2 rows, got ${n}` });
  const mean = columnMeans(x, rows);
  onProgress?.("covariance", 0, n);
  const cov = gram(kernels.gemm, x, rows === undefined ? { center: mean } : { center: mean, rows }, onProgress && ((done, total) => onProgress("covariance", done, total)));
  const scale = 1 / (n - 1);
  for (let i = 0; i < cov.data.length; i++) cov.data[i] = (cov.data[i] as number) * scale;
  onProgress?.("eigendecomposition", 0, 1);
  const eig = symmetricEigen(cov, kernels.lapack);
  if (!eig.ok) return eig;
  onProgress?.("eigendecomposition", 1, 1);
  const { values, vectors } = eig.value;
  let total = 0;
  for (let i = 0; i < d; i++) total += (cov.data[i * d + i] as number);
  const components = new Float32Array(k * d);
  const explainedVariance = new Float64Array(k);
  const explainedVarianceRatio = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    const v = vectors.data.subarray(c * d, (c + 1) * d);
    let big = 0;
    for (let j = 0; j < d; j++) if (Math.abs(v[j] as number) > Math.abs(v[big] as number)) big = j;
    const sign = (v[big] as number) < 0 ? -1 : 1;
    for (let j = 0; j < d; j++) components[c * d + j] = sign * (v[j] as number);
    // Rounding can leave tiny negative eigenvalues of a positive semi-definite matrix.
    explainedVariance[c] = Math.max(values[c] as number, 0);
    explainedVarianceRatio[c] = total > 0 ? (explainedVariance[c] as number) / total : 0;
  }
  return ok({ mean, components: { rows: k, cols: d, data: components }, explainedVariance, explainedVarianceRatio });
}

/** (X − mean)·componentsᵀ: the data in PCA coordinates (n×k, float32). */
export function transformPca(gemm: Gemm, x: Matrix, pca: { readonly mean: ArrayLike<number>; readonly components: Matrix }): Matrix {
  const { rows, cols, data } = x;
  if (cols !== pca.components.cols) throw new Error(`transformPca: data has ${cols} columns, components ${pca.components.cols}`);
  const centred = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) centred[r * cols + j] = (data[r * cols + j] as number) - (pca.mean[j] as number);
  }
  return multiplyABt(gemm, { rows, cols, data: centred }, pca.components);
}
