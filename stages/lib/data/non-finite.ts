// Finding and zeroing matrix rows that hold NaN or ±Inf values.
import { type Matrix } from "../core/matrix.js";

/** Indices of the rows holding at least one NaN or ±Inf, ascending. */
export function nonFiniteRows(m: Matrix): Int32Array {
  const bad: number[] = [];
  const { rows, cols, data } = m;
  for (let i = 0; i < rows; i++) {
    let sum = 0;
    const o = i * cols;
    for (let j = 0; j < cols; j++) sum += (data[o + j] as number) * 0;
    // x·0 is 0 for finite x and NaN for NaN/±Inf, so one check per row suffices.
    if (sum !== 0) bad.push(i);
  }
  return Int32Array.from(bad);
}

/** Sets the given rows to zero in place. */
export function zeroRows(m: Matrix, rows: Int32Array): void {
  for (const i of rows) m.data.fill(0, i * m.cols, (i + 1) * m.cols);
}
