// Cholesky factorisation A = L·Lᵀ of a symmetric positive-definite float64 matrix, and solves with it.
import type { Matrix64 } from "../core/matrix.js";
import { err, ok, type Result } from "../core/result.js";

/** Why a factorisation failed: the matrix is not (numerically) positive definite. */
export interface CholeskyFailure {
  readonly reason: "not-positive-definite";
  readonly message: string;
}

/**
 * The lower-triangular L (row-major, upper triangle zero) with A = L·Lᵀ; reads only the lower
 * triangle of A. Row-oriented: every inner loop is a dot product of two contiguous row prefixes.
 */
export function cholesky(a: Matrix64): Result<Matrix64, CholeskyFailure> {
  const n = a.rows;
  if (a.cols !== n) throw new Error(`cholesky: matrix is ${a.rows}×${a.cols}, not square`);
  const l = new Float64Array(n * n);
  const src = a.data;
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let s = src[ri + j] as number;
      let k = 0;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (; k + 4 <= j; k += 4) {
        s0 += (l[ri + k] as number) * (l[rj + k] as number);
        s1 += (l[ri + k + 1] as number) * (l[rj + k + 1] as number);
        s2 += (l[ri + k + 2] as number) * (l[rj + k + 2] as number);
        s3 += (l[ri + k + 3] as number) * (l[rj + k + 3] as number);
      }
      for (; k < j; k++) s0 += (l[ri + k] as number) * (l[rj + k] as number);
      s -= s0 + s1 + s2 + s3;
      if (i === j) {
        if (!(s > 0)) return err({ reason: "not-positive-definite", message: `the matrix is not positive definite (pivot ${i} is ${s})` });
        l[ri + i] = Math.sqrt(s);
      } else {
        l[ri + j] = s / (l[rj + j] as number);
      }
    }
  }
  return ok({ rows: n, cols: n, data: l });
}

/**
 * Solves L·Lᵀ·X = B for X (n×q) given the Cholesky factor L, overwriting a copy of B: a forward
 * then a backward substitution, each a sequence of contiguous row updates X[i,:] −= L[i,k]·X[k,:].
 */
/**
 * X[i,:] += factors[t]·X[rows[t],:] for t < count in order, one multiply and one add per element
 * and update: the native kernels' rowUpdates (the same bits, vectorised), else updateRow below.
 */
export type RowUpdates = (x: Float64Array, q: number, i: number, rows: Int32Array, factors: Float64Array, count: number) => void;

export function choleskySolve(l: Matrix64, b: Matrix64, rowUpdates: RowUpdates = updateRow): Matrix64 {
  const n = l.rows;
  const q = b.cols;
  if (b.rows !== n) throw new Error(`choleskySolve: factor is ${n}×${n}, right-hand side ${b.rows}×${q}`);
  const x = Float64Array.from(b.data);
  const L = l.data;
  const rows = new Int32Array(n), factors = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let count = 0;
    for (let k = 0; k < i; k++) {
      const f = L[i * n + k] as number;
      if (f !== 0) (rows[count] = k), (factors[count++] = -f);
    }
    rowUpdates(x, q, i, rows, factors, count);
    scale(x, i * q, q, 1 / (L[i * n + i] as number));
  }
  for (let i = n - 1; i >= 0; i--) {
    let count = 0;
    for (let k = i + 1; k < n; k++) {
      const f = L[k * n + i] as number;
      if (f !== 0) (rows[count] = k), (factors[count++] = -f);
    }
    rowUpdates(x, q, i, rows, factors, count);
    scale(x, i * q, q, 1 / (L[i * n + i] as number));
  }
  return { rows: n, cols: q, data: x };
}

/**
 * X[i,:] += a_t·X[k_t,:] for t = 0, 1, … in order (k_t = rows[t], a_t = factors[t]), four rows per
 * pass over X[i,:]: each element still takes the updates one by one in that order.
 */
export function updateRow(x: Float64Array, q: number, i: number, rows: Int32Array, factors: Float64Array, count: number): void {
  const yo = i * q;
  let t = 0;
  for (; t + 4 <= count; t += 4) {
    const o0 = (rows[t] as number) * q, o1 = (rows[t + 1] as number) * q, o2 = (rows[t + 2] as number) * q, o3 = (rows[t + 3] as number) * q;
    const a0 = factors[t] as number, a1 = factors[t + 1] as number, a2 = factors[t + 2] as number, a3 = factors[t + 3] as number;
    for (let j = 0; j < q; j++) {
      let v = x[yo + j] as number;
      v = v + a0 * (x[o0 + j] as number);
      v = v + a1 * (x[o1 + j] as number);
      v = v + a2 * (x[o2 + j] as number);
      v = v + a3 * (x[o3 + j] as number);
      x[yo + j] = v;
    }
  }
  for (; t < count; t++) {
    const o = (rows[t] as number) * q, a = factors[t] as number;
    for (let j = 0; j < q; j++) x[yo + j] = (x[yo + j] as number) + a * (x[o + j] as number);
  }
}

function scale(y: Float64Array, yo: number, len: number, a: number): void {
  for (let j = 0; j < len; j++) y[yo + j] = (y[yo + j] as number) * a;
}
