// Per-column standardisation like scikit-learn's StandardScaler, with clipping to ±clip.
import type { Matrix, Matrix64 } from "../core/matrix.js";

/** Column means and standard deviations (population, ddof = 0); a constant column has std 1. */
export interface Scaler {
  readonly mean: Float64Array;
  readonly std: Float64Array;
}

/**
 * Fits a scaler on the given rows of `m` (all rows when `rows` is absent; repeats count as often
 * as they appear). Two passes in float64: the mean, then the mean squared deviation. A column is
 * constant, and gets std 1, when its variance is within rounding of zero: scikit-learn's bound
 * var ≤ n·ε·var + (n·ε·mean)², ε the float64 machine epsilon.
 */
export function fitScaler(m: Matrix, rows?: Int32Array): Scaler {
  const { cols, data } = m;
  const n = rows === undefined ? m.rows : rows.length;
  const std = new Float64Array(cols);
  const at = (r: number): number => (rows === undefined ? r : (rows[r] as number)) * cols;
  const mean = columnMeans(m, rows);
  for (let r = 0; r < n; r++) {
    const o = at(r);
    for (let j = 0; j < cols; j++) {
      const dev = (data[o + j] as number) - (mean[j] as number);
      std[j] = (std[j] as number) + dev * dev;
    }
  }
  const eps = Number.EPSILON;
  for (let j = 0; j < cols; j++) {
    const variance = (std[j] as number) / Math.max(n, 1);
    const mu = mean[j] as number;
    const constant = variance <= n * eps * variance + (n * mu * eps) ** 2;
    std[j] = constant ? 1 : Math.sqrt(variance);
  }
  return { mean, std };
}

/**
 * (x − mean) / std of the given rows of `m` (all when `rows` is absent), clipped to [−clip, clip]
 * when `clip` is given, as a new float32 matrix. Computed in float64, rounded once.
 */
export function standardize(m: Matrix, scaler: Scaler, clip?: number, rows?: Int32Array): Matrix {
  const { cols, data } = m;
  if (scaler.mean.length !== cols) throw new Error(`standardize: scaler has ${scaler.mean.length} columns, matrix ${cols}`);
  const n = rows === undefined ? m.rows : rows.length;
  const out = new Float32Array(n * cols);
  const { mean, std } = scaler;
  const hi = clip ?? Number.POSITIVE_INFINITY;
  const lo = -hi;
  for (let r = 0; r < n; r++) {
    const o = (rows === undefined ? r : (rows[r] as number)) * cols;
    const w = r * cols;
    for (let j = 0; j < cols; j++) {
      const z = ((data[o + j] as number) - (mean[j] as number)) / (std[j] as number);
      out[w + j] = z > hi ? hi : z < lo ? lo : z;
    }
  }
  return { rows: n, cols, data: out };
}

/** The inverse map x = z · std + mean of every row, as a new float32 matrix. */
export function unstandardize(m: Matrix, scaler: Scaler): Matrix {
  const { rows, cols, data } = m;
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) out[r * cols + j] = (data[r * cols + j] as number) * (scaler.std[j] as number) + (scaler.mean[j] as number);
  }
  return { rows, cols, data: out };
}

/** Column means in float64 of the given rows (all when absent). */
export function columnMeans(x: Matrix | Matrix64, rows?: Int32Array): Float64Array {
  const { cols, data } = x;
  const n = rows === undefined ? x.rows : rows.length;
  const mean = new Float64Array(cols);
  for (let r = 0; r < n; r++) {
    const o = (rows === undefined ? r : (rows[r] as number)) * cols;
    for (let j = 0; j < cols; j++) mean[j] = (mean[j] as number) + (data[o + j] as number);
  }
  for (let j = 0; j < cols; j++) mean[j] = (mean[j] as number) / Math.max(n, 1);
  return mean;
}
