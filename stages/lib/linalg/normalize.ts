// Row-wise L2 normalisation: the cosine-similarity side of retrieval and export.
import type { Matrix } from "../core/matrix.js";

/** Norms below this are treated as this (as numpy `a / max(‖a‖, 1e-8)`), so a zero row stays zero. */
export const MIN_NORM = 1e-8;

/** A new matrix whose rows are the rows of `m` divided by their L2 norm (computed in float64). */
export function l2NormalizeRows(m: Matrix): Matrix {
  const out = new Float32Array(m.data.length);
  const { rows, cols, data } = m;
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    let s = 0;
    for (let j = 0; j < cols; j++) {
      const v = data[o + j] as number;
      s += v * v;
    }
    const inv = 1 / Math.max(Math.sqrt(s), MIN_NORM);
    for (let j = 0; j < cols; j++) out[o + j] = (data[o + j] as number) * inv;
  }
  return { rows, cols, data: out };
}
