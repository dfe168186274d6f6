// Ridge for a whole grid of alphas from one eigendecomposition of XᵀX, and the gallery whitening of its predictions.
//
// With XᵀX = Vᵀ diag(λ) V (rows of V its eigenvectors), W(α) = Vᵀ diag(1/(λ+α)) V·XᵀY: the
// products V·XᵀY and X·Vᵀ are made once, each α then costs one diagonal scaling. Whitening maps a
// prediction q (standardised image space) to q·M_e, M_e = (C + e·γ̄·I)⁻¹ with C the (caption-weighted)
// covariance of the standardised training images, Uᵀ diag(γ) U its eigendecomposition and γ̄ its
// mean eigenvalue: in U's basis that is one more diagonal scaling. e = Infinity is no whitening
// (M = I up to scale, which no metric sees). Matches numpy's solve (test/fixtures/numerics/make_ridge_path.py).
import type { Matrix, Matrix64 } from "../core/matrix.js";
import { err, ok, type Result } from "../core/result.js";
import type { Gemm } from "../kernels/gemm.js";
import { symmetricEigen, type EigenFailure, type LapackEigen } from "./eigen-symmetric.js";
import { crossProduct, gram, type AnyMatrix } from "./products.js";
import { groupedCrossProduct } from "./ridge.js";

/** An eigendecomposition A = Vᵀ diag(values) V and the mean eigenvalue (the scale a relative grid is on). */
export interface EigenBasis {
  /** Eigenvalues, decreasing. */
  readonly values: Float64Array;
  /** Eigenvectors as rows (d×d). */
  readonly vectors: Matrix64;
  /** trace(A)/d. */
  readonly mean: number;
}

/** What a grid of ridge fits shares: the eigenbasis of XᵀX and B = V·XᵀY (d_in×d_out). */
export interface RidgePath {
  readonly gram: EigenBasis;
  readonly projected: Matrix64;
}

function basisOf(a: Matrix64, lapack: LapackEigen | undefined): Result<EigenBasis, EigenFailure> {
  const eig = symmetricEigen(a, lapack);
  if (!eig.ok) return eig;
  let trace = 0;
  for (let i = 0; i < a.rows; i++) trace += a.data[i * a.rows + i] as number;
  return ok({ values: eig.value.values, vectors: eig.value.vectors, mean: trace / a.rows });
}

/** The shared part of ridge fits of Y on X (no intercept; targets through yRows as in fitRidge). */
export function fitRidgePath(gemm: Gemm, x: Matrix, y: Matrix, lapack: LapackEigen | undefined, yRows?: Int32Array): Result<RidgePath, EigenFailure | { reason: "shape-mismatch"; message: string }> {
  if ((yRows === undefined ? y.rows : yRows.length) !== x.rows) return err({ reason: "shape-mismatch", message: `ridge: ${x.rows} input rows but ${yRows?.length ?? y.rows} target rows` });
  const basis = basisOf(gram(gemm, x), lapack);
  if (!basis.ok) return basis;
  const xty = yRows === undefined ? crossProduct(gemm, x, y) : groupedCrossProduct(gemm, x, y, yRows, undefined, undefined);
  const d = x.cols, dOut = y.cols;
  const projected = new Float64Array(d * dOut);
  gemm.f64(false, false, d, dOut, d, basis.value.vectors.data, d, xty.data, dOut, projected, dOut, false);
  return ok({ gram: basis.value, projected: { rows: d, cols: dOut, data: projected } });
}

/** 1/(λᵢ + α) for each eigenvalue of XᵀX: W(α) = Vᵀ diag(this) B. */
export function shrinkage(path: RidgePath, alpha: number): Float64Array {
  return path.gram.values.map((lambda) => 1 / (lambda + alpha));
}

/** The covariance of the standardised training images (rows `rows`, repeats weigh) and its eigenbasis. */
export function fitWhitening(gemm: Gemm, ys: AnyMatrix, rows: Int32Array | undefined, lapack: LapackEigen | undefined): Result<EigenBasis, EigenFailure> {
  const c = gram(gemm, ys, rows === undefined ? {} : { rows });
  const n = rows?.length ?? ys.rows;
  for (let i = 0; i < c.data.length; i++) c.data[i] = (c.data[i] as number) / n;
  return basisOf(c, lapack);
}

/** 1/(γᵢ + e·γ̄) for each eigenvalue of the image covariance; all ones for e = Infinity (no whitening). */
export function whiteningScale(basis: EigenBasis, e: number): Float64Array {
  return e === Infinity ? new Float64Array(basis.values.length).fill(1) : basis.values.map((gamma) => 1 / (gamma + e * basis.mean));
}

/**
 * The map W = Vᵀ diag(s) B · Uᵀ diag(w) U (d_in×d_out): ridge with shrinkage s, then whitening w
 * (in the eigenbasis U of the image covariance; absent: no whitening).
 */
export function linearMap(gemm: Gemm, path: RidgePath, s: Float64Array, whitening?: { readonly basis: EigenBasis; readonly scale: Float64Array }): Matrix64 {
  const { rows: d, cols: dOut } = path.projected;
  const v = path.gram.vectors.data;
  // Vᵀ diag(s): column i of Vᵀ is row i of V.
  const vs = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) vs[j * d + i] = (v[i * d + j] as number) * (s[i] as number);
  const w = new Float64Array(d * dOut);
  gemm.f64(false, false, d, dOut, d, vs, d, path.projected.data, dOut, w, dOut, false);
  const plain = { rows: d, cols: dOut, data: w };
  return whitening === undefined ? plain : whiten(gemm, plain, whitening.basis, whitening.scale);
}

/**
 * The eigenbasis of the fitted values' covariance WᵀXᵀXW for W = Vᵀ diag(s) B, i.e.
 * Bᵀ diag(λ s²) B (d_out×d_out): its leading directions are where reduced-rank ridge keeps W.
 */
export function fittedBasis(gemm: Gemm, path: RidgePath, s: Float64Array, lapack: LapackEigen | undefined): Result<EigenBasis, EigenFailure> {
  const { rows: d, cols: dOut } = path.projected;
  const scaled = new Float64Array(d * dOut);
  for (let i = 0; i < d; i++) {
    const f = (path.gram.values[i] as number) * (s[i] as number) ** 2;
    for (let j = 0; j < dOut; j++) scaled[i * dOut + j] = (path.projected.data[i * dOut + j] as number) * f;
  }
  const f = new Float64Array(dOut * dOut);
  gemm.f64(true, false, dOut, dOut, d, path.projected.data, dOut, scaled, dOut, f, dOut, false);
  return basisOf({ rows: dOut, cols: dOut, data: f }, lapack);
}

/** Reduced-rank W: W·P_rᵀP_r, with P_r the first `rank` rows of `basis` (fittedBasis: the leading fitted directions). */
export function reduceRank(gemm: Gemm, w: Matrix64, basis: EigenBasis, rank: number): Matrix64 {
  const { rows: d, cols: dOut } = w;
  const p = basis.vectors.data.subarray(0, rank * dOut);
  const wp = new Float64Array(d * rank);
  gemm.f64(false, true, d, rank, dOut, w.data, dOut, p, dOut, wp, rank, false);
  const out = new Float64Array(d * dOut);
  gemm.f64(false, false, d, dOut, rank, wp, rank, p, dOut, out, dOut, false);
  return { rows: d, cols: dOut, data: out };
}

/** The (d_out×d_out) whitening M = Uᵀ diag(scale) U as a right factor: W·M. */
export function whiten(gemm: Gemm, w: Matrix64, basis: EigenBasis, scale: Float64Array): Matrix64 {
  const { rows: d, cols: dOut } = w;
  const u = basis.vectors.data;
  const wu = new Float64Array(d * dOut);
  gemm.f64(false, true, d, dOut, dOut, w.data, dOut, u, dOut, wu, dOut, false);
  for (let r = 0; r < d; r++) for (let j = 0; j < dOut; j++) wu[r * dOut + j] = (wu[r * dOut + j] as number) * (scale[j] as number);
  const out = new Float64Array(d * dOut);
  gemm.f64(false, false, d, dOut, dOut, wu, dOut, u, dOut, out, dOut, false);
  return { rows: d, cols: dOut, data: out };
}

/**
 * The orthogonal Procrustes map of the same data: W = U·Vᵀ for XᵀY = U Σ Vᵀ (thin SVD), the
 * semi-orthogonal W closest to the cross-covariance; here (MMᵀ)^{-1/2}M with M = XᵀY = Vᵀ_gram·B,
 * i.e. Vᵀ_gram (BBᵀ)^{-1/2} B, directions with σ² below 1e-12 of the largest left out.
 */
export function procrustesMap(gemm: Gemm, path: RidgePath, lapack: LapackEigen | undefined): Result<Matrix64, EigenFailure> {
  const { rows: d, cols: dOut } = path.projected;
  const b = path.projected.data;
  const k = new Float64Array(d * d);
  gemm.f64(false, true, d, d, dOut, b, dOut, b, dOut, k, d, false);
  const eig = basisOf({ rows: d, cols: d, data: k }, lapack);
  if (!eig.ok) return eig;
  const q = eig.value.vectors.data;
  const top = eig.value.values[0] as number;
  // Qᵀ diag(σ⁻¹) Q, then times B, then Vᵀ_gram times that.
  const qs = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    const sigma2 = eig.value.values[i] as number;
    const f = sigma2 > 1e-12 * top ? 1 / Math.sqrt(sigma2) : 0;
    for (let j = 0; j < d; j++) qs[j * d + i] = (q[i * d + j] as number) * f;
  }
  const inv = new Float64Array(d * d);
  gemm.f64(false, false, d, d, d, qs, d, q, d, inv, d, false);
  const ib = new Float64Array(d * dOut);
  gemm.f64(false, false, d, dOut, d, inv, d, b, dOut, ib, dOut, false);
  const w = new Float64Array(d * dOut);
  gemm.f64(true, false, d, dOut, d, path.gram.vectors.data, d, ib, dOut, w, dOut, false);
  return ok({ rows: d, cols: dOut, data: w });
}
