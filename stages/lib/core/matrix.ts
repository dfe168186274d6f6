// Dense row-major matrices on typed arrays: the one numeric currency shared by every stage.

/** A row-major float32 matrix: element (i, j) is data[i * cols + j]. */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float32Array;
}

/** A row-major float64 matrix, for the closed-form solves (PCA, ridge). */
export interface Matrix64 {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

export function matrix(rows: number, cols: number, data: Float32Array = new Float32Array(rows * cols)): Matrix {
  if (data.length !== rows * cols) throw new Error(`matrix ${rows}×${cols} needs ${rows * cols} values, got ${data.length}`);
  return { rows, cols, data };
}

export function matrix64(rows: number, cols: number, data: Float64Array = new Float64Array(rows * cols)): Matrix64 {
  if (data.length !== rows * cols) throw new Error(`matrix ${rows}×${cols} needs ${rows * cols} values, got ${data.length}`);
  return { rows, cols, data };
}

/** Row i as a view (no copy). */
export function row(m: Matrix, i: number): Float32Array {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols);
}

/** Gathers the given rows into a new matrix. */
export function takeRows(m: Matrix, index: ArrayLike<number>): Matrix {
  const out = new Float32Array(index.length * m.cols);
  for (let k = 0; k < index.length; k++) {
    const i = index[k] as number;
    out.set(m.data.subarray(i * m.cols, (i + 1) * m.cols), k * m.cols);
  }
  return { rows: index.length, cols: m.cols, data: out };
}
