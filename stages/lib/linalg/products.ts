// Matrix products the stages call, on the Gemm they are handed: Gram matrices, cross-products AᵀB, A·B and A·Bᵀ.
//
// The float64 Gram and cross-products stream the rows of their operands in panels of 1024 rows,
// selected, centred and converted to float64, and accumulate panelᵀ·panel; only the Gram's blocks
// on or right of the diagonal are computed, then mirrored. The float32 products multiply as stored.
import type { Matrix, Matrix64 } from "../core/matrix.js";
import type { Gemm } from "../kernels/gemm.js";

/** Any row-major float matrix, float32 or float64 storage. */
export type AnyMatrix = Matrix | Matrix64;

/** Which rows of an operand enter a product, and what is subtracted from every row first. */
export interface OperandOptions {
  /** Row indices into the matrix (repeats allowed); all rows in order when absent. */
  readonly rows?: Int32Array;
  /** A vector (one value per column) subtracted from every row, e.g. the column means. */
  readonly center?: ArrayLike<number>;
}

/** Called with 0 at the start and after each panel of rows with the rows done so far, and the total. */
export type ProductProgress = (done: number, total: number) => void;

/** Rows per panel (a 1024×1536 float64 panel is 12 MiB). */
export const PANEL_ROWS = 1024;
/** Rows of the Gram matrix per product: only blocks on or right of the diagonal are computed. */
const GRAM_BLOCK = 512;

function selectedRows(m: AnyMatrix, o: OperandOptions): number {
  return o.rows === undefined ? m.rows : o.rows.length;
}

/** Copies rows [r0, r0 + count) of the selected, centred operand into `panel` as float64 rows (count × cols). */
function packRows(m: AnyMatrix, o: OperandOptions, r0: number, count: number, panel: Float64Array): void {
  const { cols, data } = m;
  const center = o.center;
  const rows = o.rows;
  for (let r = 0; r < count; r++) {
    const src = (rows === undefined ? r0 + r : (rows[r0 + r] as number)) * cols;
    const dst = r * cols;
    if (center === undefined) for (let j = 0; j < cols; j++) panel[dst + j] = data[src + j] as number;
    else for (let j = 0; j < cols; j++) panel[dst + j] = (data[src + j] as number) - (center[j] as number);
  }
}

/**
 * The Gram matrix AᵀA (d×d, float64) of the selected rows of A, each centred first when asked:
 * with `center` = the column means this is (n − 1) times the sample covariance.
 */
export function gram(gemm: Gemm, a: AnyMatrix, options: OperandOptions = {}, progress?: ProductProgress): Matrix64 {
  const d = a.cols;
  const n = selectedRows(a, options);
  const panel = new Float64Array(Math.min(PANEL_ROWS, Math.max(n, 1)) * d);
  const out = new Float64Array(d * d);
  progress?.(0, n);
  for (let r0 = 0; r0 < n; r0 += PANEL_ROWS) {
    const count = Math.min(PANEL_ROWS, n - r0);
    packRows(a, options, r0, count, panel);
    for (let i0 = 0; i0 < d; i0 += GRAM_BLOCK) {
      const rows = Math.min(GRAM_BLOCK, d - i0);
      gemm.f64(true, false, rows, d - i0, count, panel.subarray(i0), d, panel.subarray(i0), d, out.subarray(i0 * d + i0), d, true);
    }
    progress?.(r0 + count, n);
  }
  for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) out[j * d + i] = out[i * d + j] as number;
  return { rows: d, cols: d, data: out };
}

/** The cross-product AᵀB (p×q, float64) over paired selected rows of A (n×p) and B (n×q), each centred first when asked. */
export function crossProduct(gemm: Gemm, a: AnyMatrix, b: AnyMatrix, aOptions: OperandOptions = {}, bOptions: OperandOptions = {}, progress?: ProductProgress): Matrix64 {
  const n = selectedRows(a, aOptions);
  if (selectedRows(b, bOptions) !== n) throw new Error(`crossProduct: ${n} rows of A against ${selectedRows(b, bOptions)} rows of B`);
  const p = a.cols, q = b.cols;
  const rowsPerPanel = Math.min(PANEL_ROWS, Math.max(n, 1));
  const pa = new Float64Array(rowsPerPanel * p);
  const pb = new Float64Array(rowsPerPanel * q);
  const out = new Float64Array(p * q);
  progress?.(0, n);
  for (let r0 = 0; r0 < n; r0 += PANEL_ROWS) {
    const count = Math.min(PANEL_ROWS, n - r0);
    packRows(a, aOptions, r0, count, pa);
    packRows(b, bOptions, r0, count, pb);
    gemm.f64(true, false, p, q, count, pa, p, pb, q, out, q, true);
    progress?.(r0 + count, n);
  }
  return { rows: p, cols: q, data: out };
}

/** A·Bᵀ as a new float32 matrix (rows of A against rows of B, e.g. data times PCA components). */
export function multiplyABt(gemm: Gemm, a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.cols) throw new Error(`multiplyABt: ${a.rows}×${a.cols} · (${b.rows}×${b.cols})ᵀ`);
  const out = new Float32Array(a.rows * b.rows);
  gemm.f32(false, true, a.rows, b.rows, a.cols, a.data, a.cols, b.data, b.cols, out, b.rows, false);
  return { rows: a.rows, cols: b.rows, data: out };
}

/** Bᵀ of a row-major matrix, as float32. */
export function transpose(m: AnyMatrix): Matrix {
  const out = new Float32Array(m.rows * m.cols);
  const { rows, cols, data } = m;
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = data[i * cols + j] as number;
  return { rows: cols, cols: rows, data: out };
}

/** A·B as a new float32 matrix (e.g. queries times a d_in×d_out map). */
export function multiply(gemm: Gemm, a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.rows) throw new Error(`multiply: ${a.rows}×${a.cols} · ${b.rows}×${b.cols}`);
  const out = new Float32Array(a.rows * b.cols);
  gemm.f32(false, false, a.rows, b.cols, a.cols, a.data, a.cols, b.data, b.cols, out, b.cols, false);
  return { rows: a.rows, cols: b.cols, data: out };
}
